"""GET /v1/users/{id}: the public profile."""

import uuid

import pytest
import requests

from ghlib import (PUBLIC_KEYS, TIMEOUT, assert_common_headers, assert_problem,
                   media_type)


def test_public_profile(api, new_user):
    u = new_user(display_name="Public Person")
    r = api.user(u["profile"]["id"])
    assert r.status_code == 200, r.text
    assert media_type(r) == "application/json"
    assert_common_headers(r)
    p = r.json()
    assert set(p) == PUBLIC_KEYS, sorted(p)
    assert p["id"] == u["profile"]["id"]
    assert p["username"] == u["username"]
    assert p["display_name"] == "Public Person"
    assert p["avatar_url"] is None and p["banner_url"] is None
    assert p["is_bot"] is False
    assert p["created_at"] == u["profile"]["created_at"]


def test_public_profile_never_contains_email(api, new_user):
    u = new_user()
    r = api.user(u["profile"]["id"])
    assert r.status_code == 200
    assert u["email"].lower() not in r.text.lower()
    assert "email" not in r.text
    assert "credentials" not in r.json()


def test_public_profile_needs_no_token(fapi, new_user):
    u = new_user()
    r = requests.get(fapi.users + "/" + u["profile"]["id"], timeout=TIMEOUT)
    assert r.status_code == 200


def test_public_profile_of_user_without_username(fapi, new_user):
    u = new_user(username=False)
    r = fapi.user(u["profile"]["id"])
    assert r.status_code == 200
    assert r.json()["username"] == u["profile"]["username"]


def test_unknown_user_id(api, db_unchanged):
    with db_unchanged():
        r = api.user(str(uuid.uuid4()))
    assert_problem(r, 404, "not_found")


def test_unknown_uuid7_like_id(fapi, user):
    # same shape and time prefix as a real id, different random part
    real = user["profile"]["id"]
    fake = real[:-6] + ("000000" if real[-6:] != "000000" else "111111")
    assert_problem(fapi.user(fake), 404, "not_found")


# (%00 and invalid UTF-8 escapes are refused by lighttpd itself before any
# program runs, so they are not the programs' business here.)
@pytest.mark.parametrize("bad", ["abc", "123", "not-a-uuid", "0" * 36, "a%2Fb",
                                 "..%2Fauth%2Fme", "' OR 1=1 --", "x" * 300, "%C3%A9t%C3%A9"],
                         ids=["abc", "digits", "words", "zeros", "slash",
                              "traversal", "sql", "long", "utf8"])
def test_malformed_user_id(api, bad):
    if api.mode == "cgi" and "%2F" in bad:
        # as plain CGI lighttpd itself resolves the script path and answers
        # its own 404 page before any program runs
        pytest.skip("path resolved by lighttpd in CGI mode")
    r = requests.get(api.users + "/" + bad, timeout=TIMEOUT)
    assert_problem(r, 404, "not_found")


def test_user_id_other_case(fapi, user):
    r = fapi.user(user["profile"]["id"].upper())
    if user["profile"]["id"].upper() == user["profile"]["id"]:
        pytest.skip("ids have no letters to change")
    assert_problem(r, 404, "not_found")


def test_users_collection_path_is_404(api):
    assert_problem(requests.get(api.users + "/", timeout=TIMEOUT), 404, "not_found")


def test_user_sub_path_is_404(fapi, user):
    r = requests.get(fapi.users + "/" + user["profile"]["id"] + "/extra", timeout=TIMEOUT)
    assert_problem(r, 404, "not_found")


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_user_wrong_method(api, user, method, db_unchanged):
    with db_unchanged():
        r = requests.request(method, api.users + "/" + user["profile"]["id"], timeout=TIMEOUT)
    assert_problem(r, 405, "method_not_allowed")
    allow = [m.strip() for m in r.headers.get("Allow", "").split(",")]
    assert "GET" in allow, r.headers.get("Allow")
