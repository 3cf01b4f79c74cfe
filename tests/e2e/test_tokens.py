"""Access tokens: claims, and every way a forged or broken bearer token is
refused (401 invalid_token / unauthorized / token_expired)."""

import hashlib
import hmac
import time

import pytest

from ghlib import (EXPIRING_TTL, Api, assert_problem, b64url_decode, b64url_encode,
                   b64url_json, flip_char, jwt_claims, jwt_header, jwt_split,
                   unique_email, unique_password)


# -- claims ----------------------------------------------------------------------

def test_access_token_header(user):
    h = jwt_header(user["access"])
    assert h.get("alg") == "EdDSA", h
    assert h.get("typ") == "JWT", h
    assert isinstance(h.get("kid"), str) and h["kid"], h


def test_access_token_claims_present(user):
    c = jwt_claims(user["access"])
    for k in ("iss", "sub", "aud", "exp", "iat", "sid", "amr"):
        assert k in c, "claim %s missing: %s" % (k, c)


def test_access_token_claim_values(user, server):
    c = jwt_claims(user["access"])
    assert c["iss"] == server.issuer, c
    assert c["aud"] == "default", c
    assert c["sub"] == user["profile"]["id"], c
    assert isinstance(c["sid"], str) and c["sid"], c
    assert c["amr"] == ["pwd"], c


def test_access_token_lifetime_is_900(user):
    c = jwt_claims(user["access"])
    assert isinstance(c["iat"], int) and isinstance(c["exp"], int), c
    assert c["exp"] - c["iat"] == 900, c
    assert abs(c["iat"] - time.time()) < 300, c


def test_sign_in_token_claims(fapi, new_user, server):
    u = new_user()
    r = fapi.sign_in({"email": u["email"], "password": u["password"]})
    c = jwt_claims(r.json()["tokens"]["access_token"])
    assert c["sub"] == u["profile"]["id"]
    assert c["iss"] == server.issuer and c["aud"] == "default" and c["amr"] == ["pwd"]
    assert c["exp"] - c["iat"] == 900


def test_valid_token_opens_me(api, user):
    r = api.me(user["access"])
    assert r.status_code == 200, r.text


# -- missing or wrong scheme -----------------------------------------------------

def test_me_without_authorization_is_unauthorized(api, db_unchanged):
    with db_unchanged():
        r = api.me(None)
    assert_problem(r, 401, "unauthorized")
    assert r.headers.get("WWW-Authenticate", "").split(" ")[0].lower() == "bearer", r.headers


def test_me_with_basic_scheme_is_unauthorized(api):
    r = api.me(None, headers={"Authorization": "Basic dXNlcjpwYXNzd29yZA=="})
    assert_problem(r, 401, "unauthorized")
    assert r.headers.get("WWW-Authenticate", "").lower().startswith("bearer")


def test_me_with_empty_bearer(fapi):
    r = fapi.me(None, headers={"Authorization": "Bearer "})
    assert r.status_code == 401, r.text
    assert r.json()["code"] in ("unauthorized", "invalid_token"), r.text
    assert_problem(r, 401, r.json()["code"])


# -- forged and broken tokens ----------------------------------------------------

def _forge(token, header=None, claims=None, signature=None):
    h, p, s = jwt_split(token)
    if header is not None:
        h = b64url_json(header)
    if claims is not None:
        p = b64url_json(claims)
    if signature is not None:
        s = signature
    return "%s.%s.%s" % (h, p, s)


def _refused(api, token):
    r = api.me(token)
    return assert_problem(r, 401, "invalid_token")


def test_tampered_payload_claim(api, user, new_user):
    other = new_user()
    claims = jwt_claims(user["access"])
    claims["sub"] = other["profile"]["id"]
    _refused(api, _forge(user["access"], claims=claims))


def test_tampered_payload_extended_expiry(fapi, user):
    claims = jwt_claims(user["access"])
    claims["exp"] += 3600
    _refused(fapi, _forge(user["access"], claims=claims))


def test_flipped_char_in_payload(api, user):
    h, p, s = jwt_split(user["access"])
    _refused(api, "%s.%s.%s" % (h, flip_char(p, len(p) // 2), s))


def test_flipped_char_in_signature(api, user):
    h, p, s = jwt_split(user["access"])
    _refused(api, "%s.%s.%s" % (h, p, flip_char(s, 10)))


def test_truncated_signature(fapi, user):
    h, p, s = jwt_split(user["access"])
    _refused(fapi, "%s.%s.%s" % (h, p, s[:-4]))


def test_empty_signature(fapi, user):
    h, p, _ = jwt_split(user["access"])
    _refused(fapi, "%s.%s." % (h, p))


def test_alg_none_unsigned(api, user):
    hdr = jwt_header(user["access"])
    hdr["alg"] = "none"
    h, p, _ = jwt_split(_forge(user["access"], header=hdr))
    _refused(api, "%s.%s." % (h, p))


def test_alg_none_with_original_signature(fapi, user):
    hdr = jwt_header(user["access"])
    hdr["alg"] = "none"
    _refused(fapi, _forge(user["access"], header=hdr))


def _hs256(header, claims, secret):
    signing_input = (b64url_json(header) + "." + b64url_json(claims)).encode()
    sig = hmac.new(secret, signing_input, hashlib.sha256).digest()
    return signing_input.decode() + "." + b64url_encode(sig)


def _jwk_for(jwks, kid):
    for k in jwks["keys"]:
        if k.get("kid") == kid:
            return k
    raise AssertionError("kid %s not in JWKS %s" % (kid, jwks))


def test_hs256_signed_with_public_key_bytes(api, user, jwks):
    hdr = jwt_header(user["access"])
    pub = b64url_decode(_jwk_for(jwks, hdr["kid"])["x"])
    hdr["alg"] = "HS256"
    _refused(api, _hs256(hdr, jwt_claims(user["access"]), pub))


def test_hs256_signed_with_public_key_text(fapi, user, jwks):
    hdr = jwt_header(user["access"])
    x = _jwk_for(jwks, hdr["kid"])["x"].encode()
    hdr["alg"] = "HS256"
    _refused(fapi, _hs256(hdr, jwt_claims(user["access"]), x))


def test_unknown_kid_keeps_signature(api, user):
    hdr = jwt_header(user["access"])
    hdr["kid"] = "no-such-kid-" + hdr["kid"][:8]
    _refused(api, _forge(user["access"], header=hdr))


def test_missing_kid(fapi, user):
    hdr = jwt_header(user["access"])
    del hdr["kid"]
    _refused(fapi, _forge(user["access"], header=hdr))


def test_header_alg_lowercase_eddsa(fapi, user):
    hdr = jwt_header(user["access"])
    hdr["alg"] = "eddsa"
    _refused(fapi, _forge(user["access"], header=hdr))


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "...", "a.b", "a.b.c.d",
                                   "eyJhbGciOiJFZERTQSJ9.bm90IGpzb24.c2ln", "x" * 5000,
                                   "\u00e9t\u00e9.\u00e9t\u00e9.\u00e9t\u00e9"],
                         ids=["word", "abc", "dots", "two-parts", "four-parts",
                              "payload-not-json", "5000-chars", "non-ascii"])
def test_garbage_token(api, token):
    if any(ord(ch) > 127 for ch in token):
        token = token.encode("utf-8").decode("latin-1")  # raw bytes on the wire
    _refused(api, token)


def test_refresh_token_is_not_an_access_token(api, user):
    _refused(api, user["refresh"])


def test_forged_token_on_sign_out_changes_nothing(fapi, user, db_unchanged):
    hdr = jwt_header(user["access"])
    hdr["alg"] = "none"
    h, p, _ = jwt_split(_forge(user["access"], header=hdr))
    with db_unchanged():
        r = fapi.sign_out("%s.%s." % (h, p))
    assert_problem(r, 401, "invalid_token")
    assert fapi.me(user["access"]).status_code == 200


def test_forged_token_on_patch_me_changes_nothing(fapi, user, new_user, db_unchanged):
    claims = jwt_claims(user["access"])
    claims["sub"] = new_user()["profile"]["id"]
    with db_unchanged():
        r = fapi.patch_me(_forge(user["access"], claims=claims), {"display_name": "Hijacked"})
    assert_problem(r, 401, "invalid_token")


# -- tokens from a sibling server sharing keys and database (see conftest) ------

def _sign_up_on(srv):
    a = Api(srv.base_url, "fcgi")
    r = a.sign_up({"email": unique_email("sibling"), "password": unique_password()})
    assert r.status_code == 201, r.text
    return r.json()


def test_expired_token(fapi, expiring_token):
    tok = expiring_token["token"]
    c = jwt_claims(tok)
    assert c["exp"] - c["iat"] == EXPIRING_TTL, c
    assert expiring_token["fresh_status"] == 200  # valid until it expired
    while time.time() < c["exp"] + 1.2:
        time.sleep(0.2)
    assert_problem(fapi.me(tok), 401, "token_expired")


def test_other_issuer_token(fapi, sibling):
    s = sibling(issuer="http://issuer.invalid")
    j = _sign_up_on(s)
    tok = j["tokens"]["access_token"]
    assert jwt_claims(tok)["iss"] == "http://issuer.invalid"
    assert fapi.me(tok).status_code == 401
    assert_problem(fapi.me(tok), 401, "invalid_token")
