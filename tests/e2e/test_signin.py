"""POST /v1/auth/sign-in."""

import pytest

from ghlib import (assert_common_headers, assert_problem, check_session_profile,
                   check_tokens, jwt_claims, media_type, param_for,
                   received_names, unique_email, unique_password,
                   unique_username)


def test_sign_in_by_email(api, new_user):
    u = new_user()
    r = api.sign_in({"email": u["email"], "password": u["password"]})
    assert r.status_code == 200, r.text
    assert media_type(r) == "application/json"
    assert_common_headers(r)
    j = r.json()
    check_tokens(j["tokens"])
    check_session_profile(j["profile"], email=u["email"], username=u["username"])
    assert j["profile"]["id"] == u["profile"]["id"]


def test_sign_in_by_username(api, new_user):
    u = new_user()
    r = api.sign_in({"username": u["username"], "password": u["password"]})
    assert r.status_code == 200, r.text
    assert r.json()["profile"]["id"] == u["profile"]["id"]


def test_sign_in_starts_a_new_session(fapi, new_user):
    u = new_user()
    r = fapi.sign_in({"email": u["email"], "password": u["password"]})
    assert r.status_code == 200
    t = r.json()["tokens"]
    assert jwt_claims(t["access_token"])["sid"] != jwt_claims(u["access"])["sid"]
    assert t["refresh_token"] != u["refresh"]
    # both sessions are live
    assert fapi.me(u["access"]).status_code == 200
    assert fapi.me(t["access_token"]).status_code == 200


def test_sign_in_writes_a_session(fapi, new_user, db_snapshot):
    u = new_user()
    before = {t: n for (t, n, _) in db_snapshot()}
    r = fapi.sign_in({"email": u["email"], "password": u["password"]})
    assert r.status_code == 200
    after = {t: n for (t, n, _) in db_snapshot()}
    assert after["sessions"] == before["sessions"] + 1
    assert after["refresh_tokens"] == before["refresh_tokens"] + 1
    for t in ("users", "emails", "accounts", "memberships"):
        assert after[t] == before[t], t


def test_sign_in_wrong_password(api, new_user, db_unchanged):
    u = new_user()
    with db_unchanged():
        r = api.sign_in({"email": u["email"], "password": u["password"] + "x"})
    assert_problem(r, 401, "invalid_credentials")


def test_sign_in_unknown_email(api, db_unchanged):
    with db_unchanged():
        r = api.sign_in({"email": unique_email("nobody"), "password": unique_password()})
    assert_problem(r, 401, "invalid_credentials")


def test_sign_in_unknown_username(api, db_unchanged):
    with db_unchanged():
        r = api.sign_in({"username": unique_username(), "password": unique_password()})
    assert_problem(r, 401, "invalid_credentials")


def test_sign_in_wrong_password_by_username(fapi, new_user, db_unchanged):
    u = new_user()
    with db_unchanged():
        r = fapi.sign_in({"username": u["username"], "password": "not the password"})
    assert_problem(r, 401, "invalid_credentials")


def _comparable(r):
    body = r.json()
    rid = r.headers.get("X-Request-Id")
    # anything that carries the request id is expected to differ
    return {k: v for k, v in body.items() if v != rid and k not in ("instance", "request_id")}


def test_wrong_password_and_unknown_email_answer_identically(api, new_user):
    u = new_user()
    a = api.sign_in({"email": u["email"], "password": u["password"] + "!"})
    b = api.sign_in({"email": unique_email("ghost"), "password": u["password"] + "!"})
    assert a.status_code == b.status_code == 401
    assert a.headers.get("Content-Type") == b.headers.get("Content-Type")
    ja, jb = a.json(), b.json()
    for k in ("type", "status", "code", "title", "detail"):
        assert ja.get(k) == jb.get(k), "field %s differs: %r vs %r" % (k, ja.get(k), jb.get(k))
    assert _comparable(a) == _comparable(b)
    assert a.headers.get("WWW-Authenticate") == b.headers.get("WWW-Authenticate")


def test_wrong_password_and_unknown_username_answer_identically(fapi, new_user):
    u = new_user()
    a = fapi.sign_in({"username": u["username"], "password": "wrong password"})
    b = fapi.sign_in({"username": unique_username(), "password": "wrong password"})
    assert a.status_code == b.status_code == 401
    assert _comparable(a) == _comparable(b)


def test_sign_in_email_and_username_together(api, new_user, db_unchanged):
    u = new_user()
    with db_unchanged():
        r = api.sign_in({"email": u["email"], "username": u["username"],
                         "password": u["password"]})
    assert_problem(r, 400, "validation_failed", [("username", "exclusive")])


def test_sign_in_neither_email_nor_username(api, db_unchanged):
    with db_unchanged():
        r = api.sign_in({"password": unique_password()})
    assert_problem(r, 400, "validation_failed", [("email", "required")])


def test_sign_in_missing_password(api, new_user, db_unchanged):
    u = new_user()
    with db_unchanged():
        r = api.sign_in({"email": u["email"]})
    assert_problem(r, 400, "validation_failed", [("password", "required")])


def test_sign_in_empty_object(fapi, db_unchanged):
    with db_unchanged():
        r = fapi.sign_in({})
    assert_problem(r, 400, "validation_failed", [("email", "required"), ("password", "required")])


@pytest.mark.parametrize("extra", ["remember_me", "client_secret", "Password"])
def test_sign_in_unknown_field(api, new_user, extra, db_unchanged):
    u = new_user()
    with db_unchanged():
        r = api.sign_in({"email": u["email"], "password": u["password"], extra: "x"})
    assert_problem(r, 400, "validation_failed", [(extra, "unknown")])


TYPE_CASES = [("email", 1, "number"), ("email", ["a@example.com"], "array"),
              ("username", True, "boolean"), ("username", {"u": 1}, "object"),
              ("password", 12345678, "number"), ("password", None, None)]


@pytest.mark.parametrize("field,value,jtype", TYPE_CASES,
                         ids=["email-number", "email-array", "username-boolean",
                              "username-object", "password-number", "password-null"])
def test_sign_in_wrong_type(fapi, field, value, jtype, db_unchanged):
    b = {"password": "long enough password"}
    if field != "email" and field != "username":
        b["email"] = unique_email()
    b[field] = value
    with db_unchanged():
        r = fapi.sign_in(b)
    p = assert_problem(r, 400, "validation_failed")
    entries = param_for(p, field)
    assert entries, p
    if jtype is not None:
        e = [e for e in entries if e["type"] == "type"]
        assert e, entries
        assert e[0].get("expected") == "string", e
        if field != "password":
            assert e[0].get("received") in received_names(value), e


def test_sign_in_wrong_password_not_echoed(fapi, new_user):
    u = new_user()
    wrong = "Wr0ng-" + unique_password()
    r = fapi.sign_in({"email": u["email"], "password": wrong})
    assert r.status_code == 401
    assert wrong not in r.text


def test_sign_in_responses_not_cached(fapi, new_user):
    u = new_user()
    ok = fapi.sign_in({"email": u["email"], "password": u["password"]})
    bad = fapi.sign_in({"email": u["email"], "password": "nope nope nope"})
    for r in (ok, bad):
        assert "no-store" in r.headers.get("Cache-Control", ""), r.headers
