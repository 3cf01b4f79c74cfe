"""/health, /.well-known/jwks.json, and headers every response carries."""

import pytest
import requests

from ghlib import (TIMEOUT, assert_common_headers, assert_problem,
                   b64url_decode, jwt_header, jwt_split, media_type)


def test_health_ok(api):
    r = requests.get(api.health, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    assert media_type(r) == "application/json"
    assert r.json() == {"status": "ok", "checks": {"database": "ok"}}


def test_health_headers(api):
    r = requests.get(api.health, timeout=TIMEOUT)
    assert_common_headers(r)


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_health_wrong_method(api, method):
    r = requests.request(method, api.health, timeout=TIMEOUT)
    assert_problem(r, 405, "method_not_allowed")
    assert "GET" in [m.strip() for m in r.headers.get("Allow", "").split(",")]


def test_jwks_shape(fapi):
    r = requests.get(fapi.jwks, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    assert media_type(r) in ("application/json", "application/jwk-set+json")
    assert r.headers.get("X-Request-Id")
    j = r.json()
    assert isinstance(j.get("keys"), list) and j["keys"], j
    for k in j["keys"]:
        assert k.get("kty") == "OKP", k
        assert k.get("crv") == "Ed25519", k
        assert k.get("use") == "sig", k
        assert k.get("alg") == "EdDSA", k
        assert isinstance(k.get("kid"), str) and k["kid"], k
        assert len(b64url_decode(k["x"])) == 32, k
        assert "d" not in k, "private key published: %s" % k


def test_jwks_kids_unique(jwks):
    kids = [k["kid"] for k in jwks["keys"]]
    assert len(kids) == len(set(kids)), kids


def test_jwks_has_token_kid(user, jwks):
    kid = jwt_header(user["access"])["kid"]
    assert kid in [k["kid"] for k in jwks["keys"]], (kid, jwks)


def test_jwks_key_verifies_access_token(user, jwks):
    try:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
        from cryptography.exceptions import InvalidSignature
    except ImportError:
        pytest.skip("python cryptography not available for /usr/bin/python3")
    tok = user["access"]
    kid = jwt_header(tok)["kid"]
    jwk = [k for k in jwks["keys"] if k["kid"] == kid][0]
    pub = Ed25519PublicKey.from_public_bytes(b64url_decode(jwk["x"]))
    h, p, s = jwt_split(tok)
    pub.verify(b64url_decode(s), ("%s.%s" % (h, p)).encode())  # raises if bad
    with pytest.raises(InvalidSignature):
        pub.verify(b64url_decode(s), ("%s.%sx" % (h, p)).encode())


def test_request_ids_differ(fapi):
    a = requests.get(fapi.health, timeout=TIMEOUT).headers.get("X-Request-Id")
    b = requests.get(fapi.health, timeout=TIMEOUT).headers.get("X-Request-Id")
    assert a and b and a != b


def test_error_responses_carry_request_id_and_no_store(api):
    r = requests.get(api.auth + "/no-such-route", timeout=TIMEOUT)
    assert_problem(r, 404, "not_found")  # checks both headers


def test_schema_has_snapshot_tables(db_snapshot):
    # The "nothing changed" checks read these tables; they must exist.
    missing = [t for (t, n, _) in db_snapshot() if n is None]
    assert not missing, missing
