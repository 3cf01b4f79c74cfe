"""Waitlists (docs/waitlists.md): waitlists.fcgi at /v1/waitlists. GET /
lists my signups, GET|PUT|DELETE /{feature_key} read, join and leave one;
PUT and DELETE are idempotent, keys are per user, bad keys and bodies
change nothing. The core flow runs in every serving mode."""

import json

import pytest
import requests

from ghlib import (SNAPSHOT_TABLES, TIMEOUT, assert_common_headers,
                   assert_problem, assert_recent, media_type)

JSON = {"Content-Type": "application/json"}
ONE_KEYS = {"feature_key", "signed_up", "waitlist_id"}
LIST_KEYS = ONE_KEYS | {"created_at"}


def bearer(user):
    return {"Authorization": "Bearer " + user["access"]}


def call(method, api, key, user, **kw):
    url = api.waitlists + ("/" + key if key is not None else "")
    h = dict(kw.pop("headers", None) or {})
    if user is not None:
        h.update(bearer(user))
    return requests.request(method, url, headers=h, timeout=TIMEOUT, **kw)


def one(r, key, signed_up):
    """The single-key answer: its data, checked."""
    assert r.status_code == 200, r.text
    assert media_type(r) == "application/json"
    assert_common_headers(r)
    j = r.json()
    assert set(j) == {"data", "links"}, j
    assert j["links"] == {"self": "/v1/waitlists/" + key}, j
    d = j["data"]
    assert set(d) == ONE_KEYS, d
    assert d["feature_key"] == key and d["signed_up"] is signed_up, d
    assert (d["waitlist_id"] is not None) is signed_up, d
    return d


def listing(api, user):
    r = call("GET", api, None, user)
    assert r.status_code == 200, r.text
    j = r.json()
    assert set(j) == {"data", "links"} and j["links"] == {"self": "/v1/waitlists"}, j
    for e in j["data"]:
        assert set(e) == LIST_KEYS and e["signed_up"] is True, e
        assert_recent(e["created_at"])
    return j["data"]


def rows(server, user, key=None):
    sql = "SELECT id, feature_key FROM waitlists WHERE user_id = ?"
    args = [user["profile"]["id"]]
    if key is not None:
        sql += " AND feature_key = ?"
        args.append(key)
    return server.query(sql, *args)


# -- every serving mode ------------------------------------------------------

def test_join_read_list_leave(api, new_user):
    u = new_user()
    assert listing(api, u) == []
    one(call("GET", api, "beta-x", u), "beta-x", False)
    d = one(call("PUT", api, "beta-x", u), "beta-x", True)
    assert one(call("GET", api, "beta-x", u), "beta-x", True) == d
    assert [(e["feature_key"], e["waitlist_id"]) for e in listing(api, u)] == \
        [("beta-x", d["waitlist_id"])]
    one(call("DELETE", api, "beta-x", u), "beta-x", False)
    one(call("GET", api, "beta-x", u), "beta-x", False)
    assert listing(api, u) == []


def test_unauthenticated_is_401(api, db_unchanged):
    with db_unchanged():
        for method, key in (("GET", None), ("GET", "beta"), ("PUT", "beta"),
                            ("DELETE", "beta")):
            r = call(method, api, key, None)
            assert_problem(r, 401, "unauthorized")
            assert r.headers.get("WWW-Authenticate", "").startswith("Bearer")


# -- idempotence -------------------------------------------------------------

def test_put_twice_is_one_row_with_the_same_id(server, fapi, new_user):
    u = new_user()
    a = one(call("PUT", fapi, "dark-mode", u), "dark-mode", True)
    b = one(call("PUT", fapi, "dark-mode", u), "dark-mode", True)
    assert a["waitlist_id"] == b["waitlist_id"]
    assert rows(server, u) == [(a["waitlist_id"], "dark-mode")]
    assert one(call("GET", fapi, "dark-mode", u), "dark-mode", True) == a


def test_delete_twice_and_delete_of_nothing(server, fapi, new_user):
    u = new_user()
    one(call("DELETE", fapi, "never", u), "never", False)
    one(call("PUT", fapi, "gone", u), "gone", True)
    one(call("DELETE", fapi, "gone", u), "gone", False)
    one(call("DELETE", fapi, "gone", u), "gone", False)
    one(call("GET", fapi, "gone", u), "gone", False)
    assert rows(server, u) == []


def test_join_again_after_leaving_is_a_new_signup(fapi, new_user):
    u = new_user()
    a = one(call("PUT", fapi, "again", u), "again", True)
    one(call("DELETE", fapi, "again", u), "again", False)
    b = one(call("PUT", fapi, "again", u), "again", True)
    assert a["waitlist_id"] != b["waitlist_id"]


def test_list_is_oldest_first(fapi, new_user):
    u = new_user()
    keys = ["zeta", "alpha", "m.1:x_y-z"]
    ids = [one(call("PUT", fapi, k, u), k, True)["waitlist_id"] for k in keys]
    one(call("PUT", fapi, "zeta", u), "zeta", True)  # joining again moves nothing
    got = listing(fapi, u)
    assert [(e["feature_key"], e["waitlist_id"]) for e in got] == list(zip(keys, ids))


# -- per user ----------------------------------------------------------------

def test_another_users_signups_are_not_mine(server, fapi, new_user):
    a, b = new_user(), new_user()
    mine = one(call("PUT", fapi, "shared-key", a), "shared-key", True)
    assert listing(fapi, b) == []
    one(call("GET", fapi, "shared-key", b), "shared-key", False)
    one(call("DELETE", fapi, "shared-key", b), "shared-key", False)
    assert rows(server, a) == [(mine["waitlist_id"], "shared-key")]
    theirs = one(call("PUT", fapi, "shared-key", b), "shared-key", True)
    assert theirs["waitlist_id"] != mine["waitlist_id"]
    assert [e["waitlist_id"] for e in listing(fapi, a)] == [mine["waitlist_id"]]
    assert [e["waitlist_id"] for e in listing(fapi, b)] == [theirs["waitlist_id"]]


def test_signups_go_with_the_user(server, fapi, new_user):
    u = new_user()
    one(call("PUT", fapi, "cascade", u), "cascade", True)
    fks = server.query("PRAGMA foreign_key_list(waitlists)")
    assert any(fk[2] == "users" and fk[6] == "CASCADE" for fk in fks), fks
    app = server.query("SELECT application_id FROM waitlists WHERE user_id = ?",
                       u["profile"]["id"])
    assert app == [(u["profile"]["application_id"],)]


# -- feature keys ------------------------------------------------------------

GOOD_KEYS = ["a", "0", "a" * 64, "beta-x_y.z:1", "9lives", "x-"]


@pytest.mark.parametrize("key", GOOD_KEYS)
def test_good_keys(fapi, new_user, key):
    u = new_user()
    one(call("PUT", fapi, key, u), key, True)
    one(call("GET", fapi, key, u), key, True)


# (path segment as sent, invalid_params type)
BAD_KEYS = {
    "too-long": ("a" * 65, "length"),
    "far-too-long": ("a" * 5000, "length"),
    "uppercase": ("Beta", "format"),
    "space": ("beta%20x", "format"),
    "plus": ("beta+x", "format"),
    "leading-dash": ("-beta", "format"),
    "leading-dot": (".beta", "format"),
    "unicode": ("b%C3%A9ta", "format"),
    "slash-like": ("beta%5Cx", "format"),
}


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
@pytest.mark.parametrize("case", sorted(BAD_KEYS))
def test_bad_key_is_400(fapi, new_user, db_unchanged, method, case):
    key, kind = BAD_KEYS[case]
    u = new_user()
    with db_unchanged():
        r = call(method, fapi, key, u)
    p = assert_problem(r, 400, "validation_failed")
    assert p["invalid_params"] == [{
        "in": "path", "path": "feature_key", "type": kind,
        "expected": "1..64 of a-z 0-9 - _ . :, starting with a-z or 0-9"}], p
    assert "received" not in p["invalid_params"][0]


# A key that decodes to '/' or NUL, or an empty segment, never matches
# /{feature_key}: 404 from the router. Control characters and bytes that
# are not UTF-8 lighttpd refuses itself (400 text/html); had they reached
# the program they would have been 400 validation_failed.
UNROUTABLE = {"encoded-slash": "a%2Fb", "slash": "a/b", "nul": "a%00b",
              "control": "beta%0A", "invalid-utf8": "beta%FF",
              "empty-segment": "/", "empty-then-key": "/beta"}


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
@pytest.mark.parametrize("case", sorted(UNROUTABLE))
def test_unroutable_key_changes_nothing(fapi, new_user, db_unchanged, method, case):
    u = new_user()
    with db_unchanged():
        r = call(method, fapi, UNROUTABLE[case], u)
    assert r.status_code in (400, 404), r.text
    if media_type(r) == "application/problem+json":
        assert_problem(r, r.status_code, {400: "validation_failed",
                                          404: "not_found"}[r.status_code])


def test_put_on_the_list_is_405(fapi, new_user, db_unchanged):
    u = new_user()
    with db_unchanged():
        r = call("PUT", fapi, "", u)  # /v1/waitlists/: the list itself
    assert_problem(r, 405, "method_not_allowed")
    assert r.headers.get("Allow") == "GET"


# -- methods and bodies --------------------------------------------------------

@pytest.mark.parametrize("method,key,allow", [
    ("POST", None, {"GET"}), ("DELETE", None, {"GET"}),
    ("POST", "beta", {"GET", "PUT", "DELETE"}),
    ("PATCH", "beta", {"GET", "PUT", "DELETE"})])
def test_wrong_method_is_405_with_allow(fapi, new_user, db_unchanged, method, key, allow):
    u = new_user()
    with db_unchanged():
        r = call(method, fapi, key, u, data=b"{}", headers=JSON)
    assert_problem(r, 405, "method_not_allowed")
    assert {m.strip() for m in r.headers.get("Allow", "").split(",")} == allow


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_empty_json_object_is_accepted(fapi, new_user, method):
    u = new_user()
    r = call(method, fapi, "with-body", u, data=b"{}", headers=JSON)
    one(r, "with-body", method == "PUT")


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_no_body_with_any_content_type_is_accepted(fapi, new_user, method):
    u = new_user()
    r = call(method, fapi, "no-body", u, headers={"Content-Type": "text/plain"})
    one(r, "no-body", method == "PUT")


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_body_with_fields_is_400(server, fapi, new_user, db_unchanged, method):
    u = new_user()
    one(call("PUT", fapi, "fields", u), "fields", True)
    with db_unchanged():
        r = call(method, fapi, "fields", u, data=json.dumps({"signed_up": False}),
                 headers=JSON)
    assert_problem(r, 400, "validation_failed", [("signed_up", "unknown")])
    assert len(rows(server, u, "fields")) == 1


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_body_of_another_type_is_415(fapi, new_user, db_unchanged, method):
    u = new_user()
    one(call("PUT", fapi, "typed", u), "typed", True)
    with db_unchanged():
        r = call(method, fapi, "typed", u, data=b"signed_up=1",
                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert_problem(r, 415, "unsupported_media_type")


# -- the limit -----------------------------------------------------------------

def test_at_most_100_waitlists(server, fapi, new_user, db_unchanged):
    u = new_user()
    for i in range(100):
        assert call("PUT", fapi, "k%d" % i, u).status_code == 200
    with db_unchanged(SNAPSHOT_TABLES):
        r = call("PUT", fapi, "one-more", u)
        assert_problem(r, 409, "waitlist_limit")
        # Already on it: still the same answer, nothing new.
        one(call("PUT", fapi, "k7", u), "k7", True)
    assert len(listing(fapi, u)) == 100
    one(call("DELETE", fapi, "k0", u), "k0", False)
    one(call("PUT", fapi, "one-more", u), "one-more", True)
