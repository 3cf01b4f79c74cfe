"""POST /v1/auth/sign-out."""

import requests

from ghlib import TIMEOUT, assert_common_headers, assert_problem


def test_sign_out_is_204_without_body(api, new_user):
    u = new_user()
    r = api.sign_out(u["access"])
    assert r.status_code == 204, r.text
    assert r.content == b""
    assert_common_headers(r)


def test_sign_out_with_empty_json_object(api, new_user):
    u = new_user()
    r = api.post("/sign-out", {}, token=u["access"])
    assert r.status_code == 204, r.text


def test_sign_out_with_json_content_type_and_empty_body(fapi, new_user):
    u = new_user()
    r = fapi.post("/sign-out", raw=b"", token=u["access"],
                  headers={"Content-Type": "application/json"})
    assert r.status_code == 204, r.text


def test_access_token_after_sign_out_is_session_revoked(api, new_user):
    u = new_user()
    assert api.sign_out(u["access"]).status_code == 204
    assert_problem(api.me(u["access"]), 401, "session_revoked")


def test_refresh_after_sign_out_is_session_revoked(api, new_user):
    u = new_user()
    assert api.sign_out(u["access"]).status_code == 204
    assert_problem(api.refresh(u["refresh"]), 401, "session_revoked")


def test_patch_me_after_sign_out_is_session_revoked(fapi, new_user, db_unchanged):
    u = new_user()
    assert fapi.sign_out(u["access"]).status_code == 204
    with db_unchanged():
        r = fapi.patch_me(u["access"], {"display_name": "Ghost"})
    assert_problem(r, 401, "session_revoked")


def test_sign_out_twice(fapi, new_user):
    u = new_user()
    assert fapi.sign_out(u["access"]).status_code == 204
    assert_problem(fapi.sign_out(u["access"]), 401, "session_revoked")


def test_sign_out_revokes_access_tokens_from_refresh(fapi, new_user):
    u = new_user()
    t = fapi.refresh(u["refresh"]).json()
    assert fapi.sign_out(u["access"]).status_code == 204
    assert_problem(fapi.me(t["access_token"]), 401, "session_revoked")
    assert_problem(fapi.refresh(t["refresh_token"]), 401, "session_revoked")


def test_sign_out_leaves_other_sessions(fapi, new_user):
    u = new_user()
    other = fapi.sign_in({"email": u["email"], "password": u["password"]}).json()["tokens"]
    assert fapi.sign_out(u["access"]).status_code == 204
    assert fapi.me(other["access_token"]).status_code == 200
    assert fapi.refresh(other["refresh_token"]).status_code == 200


def test_sign_out_user_can_sign_in_again(fapi, new_user):
    u = new_user()
    assert fapi.sign_out(u["access"]).status_code == 204
    r = fapi.sign_in({"email": u["email"], "password": u["password"]})
    assert r.status_code == 200
    assert fapi.me(r.json()["tokens"]["access_token"]).status_code == 200


def test_sign_out_without_token(api, db_unchanged):
    with db_unchanged():
        r = requests.post(api.auth + "/sign-out", timeout=TIMEOUT)
    assert_problem(r, 401, "unauthorized")
    assert r.headers.get("WWW-Authenticate", "").lower().startswith("bearer")


def test_sign_out_with_garbage_token(api, db_unchanged):
    with db_unchanged():
        r = api.sign_out("not.a.token")
    assert_problem(r, 401, "invalid_token")


def test_sign_out_with_refresh_token_as_bearer(fapi, new_user, db_unchanged):
    u = new_user()
    with db_unchanged():
        r = fapi.sign_out(u["refresh"])
    assert_problem(r, 401, "invalid_token")
    assert fapi.me(u["access"]).status_code == 200


def test_sign_out_unknown_body_field(fapi, new_user, db_unchanged):
    u = new_user()
    with db_unchanged():
        r = fapi.post("/sign-out", {"bogus_field": True}, token=u["access"])
    assert_problem(r, 400, "validation_failed", [("bogus_field", "unknown")])
    assert fapi.me(u["access"]).status_code == 200
