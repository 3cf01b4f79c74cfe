"""Accounts (docs/accounts.md): accounts.fcgi at /v1/accounts. The
accounts a user belongs to, creating and renaming them, members and their
roles (owner, member, viewer; an account always keeps an owner), leaving,
and switching the session between accounts (new tokens whose claims name
the account, the authorizer's GATEHOUSE_ROLES at once). The core flow runs
in every serving mode; refused requests change nothing.

The invites API that adds members is written in parallel: until it lands,
tests add a member by inserting the membership row with sqlite
(add_member), as an accepted invite would."""

import json
import time

import pytest
import requests

from ghlib import (SNAPSHOT_TABLES, TIMEOUT, assert_common_headers,
                   assert_problem, assert_recent, find_param, jwt_claims,
                   media_type,
                   set_cookie)

JSON = {"Content-Type": "application/json"}
ACCOUNT_KEYS = {"id", "name", "avatar_url", "personal", "role",
                "membership_id", "created_at"}
MEMBER_KEYS = {"membership_id", "user_id", "role", "joined_at", "user"}
PUBLIC_KEYS = {"id", "username", "display_name", "avatar_url", "banner_url",
               "is_bot", "created_at"}
NO_ID = "0190e2b5-5c1a-7000-8000-000000000000"
GRACE = 2  # refresh_grace in the test configuration
WHOAMI = "/private/whoami.cgi"


# -- helpers -------------------------------------------------------------------

def call(method, url, token=None, body=None, **kw):
    h = dict(kw.pop("headers", None) or {})
    if token is not None:
        h["Authorization"] = "Bearer " + token
    if body is not None:
        kw["data"] = json.dumps(body)
        h.setdefault("Content-Type", "application/json")
    return requests.request(method, url, headers=h, timeout=TIMEOUT, **kw)


def uid(u):
    return u["profile"]["id"]


def personal(u):
    return u["profile"]["memberships"][0]


def create(api, u, name="Team", **fields):
    body = dict(name=name, **fields)
    r = call("POST", api.accounts, u["access"], body)
    assert r.status_code == 201, r.text
    return r.json()


def add_member(api, owner, account_id, u, role):
    """u joins the account by an invite its owner made (docs/invites.md);
    returns the new membership's id."""
    r = call("POST", api.invites, owner["access"],
             {"type": "account", "target_id": account_id, "role": role})
    assert r.status_code == 201, r.text
    r = call("POST", api.invites + "/" + r.json()["code"] + "/accept",
             u["access"])
    assert r.status_code == 200, r.text
    return r.json()["membership_id"]


def listing(api, u, query=""):
    r = call("GET", api.accounts + query, u["access"])
    assert r.status_code == 200, r.text
    assert media_type(r) == "application/json"
    assert_common_headers(r)
    j = r.json()
    assert set(j) == {"data", "links"} and set(j["links"]) == {"self", "next"}, j
    for a in j["data"]:
        check_account(a)
    return j


def check_account(a, role=None):
    assert set(a) == ACCOUNT_KEYS, a
    assert isinstance(a["personal"], bool), a
    assert a["role"] in ("owner", "member", "viewer"), a
    assert_recent(a["created_at"])
    if role is not None:
        assert a["role"] == role, a
    return a


def members(api, u, account_id, query=""):
    r = call("GET", "%s/%s/members%s" % (api.accounts, account_id, query),
             u["access"])
    assert r.status_code == 200, r.text
    j = r.json()
    assert set(j) == {"data", "links"} and set(j["links"]) == {"self", "next"}, j
    for m in j["data"]:
        assert set(m) == MEMBER_KEYS, m
        assert set(m["user"]) == PUBLIC_KEYS and m["user"]["id"] == m["user_id"], m
        assert_recent(m["joined_at"])
    return j


def roles_of(api, u, account_id):
    return {m["user_id"]: m["role"] for m in members(api, u, account_id)["data"]}


def member_url(api, account_id, user_id):
    return "%s/%s/members/%s" % (api.accounts, account_id, user_id)


def set_role(api, u, account_id, target, role):
    return call("PATCH", member_url(api, account_id, uid(target)), u["access"],
                {"role": role})


def remove(api, u, account_id, target):
    return call("DELETE", member_url(api, account_id, uid(target)), u["access"])


def switch(api, u, account_id, token=None):
    return call("POST", "%s/%s/switch" % (api.accounts, account_id),
                token or u["access"])


def whoami(server, token):
    r = requests.get(server.base_url + WHOAMI, timeout=TIMEOUT,
                     headers={"Authorization": "Bearer " + token})
    assert r.status_code == 200, r.text
    return dict(line.split("=", 1) for line in r.text.splitlines() if "=" in line)


def actions(server, u):
    return [a for (a,) in server.query(
        "SELECT action FROM action_logs WHERE user_id = ? ORDER BY id", uid(u))]


def team(server, api, new_user, *roles):
    """An owner, their new account, and one user per role in it."""
    owner = new_user(api)
    acc = create(api, owner)
    others = []
    for role in roles:
        m = new_user(api)
        add_member(api, owner, acc["id"], m, role)
        others.append(m)
    return owner, acc, others


# -- the core flow, in every serving mode ------------------------------------------

def test_core_flow(api, server, new_user):
    owner, acc, (member,) = team(server, api, new_user, "member")
    # Mine: the personal account first, then the new one.
    got = listing(api, owner)["data"]
    assert [a["id"] for a in got] == [personal(owner)["account_id"], acc["id"]]
    assert got[0]["personal"] is True and got[1]["personal"] is False
    r = call("GET", api.accounts + "/" + acc["id"], owner["access"])
    assert r.status_code == 200 and r.json() == acc, r.text
    r = call("PATCH", api.accounts + "/" + acc["id"], owner["access"],
             {"name": "Renamed", "avatar_url": "https://cdn.example.com/t.png"})
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "Renamed"
    assert r.json()["avatar_url"] == "https://cdn.example.com/t.png"
    assert roles_of(api, member, acc["id"]) == {uid(owner): "owner",
                                               uid(member): "member"}
    r = set_role(api, owner, acc["id"], member, "viewer")
    assert r.status_code == 200, r.text
    assert r.json()["role"] == "viewer" and r.json()["user_id"] == uid(member)
    # The member moves their session into the account.
    r = switch(api, member, acc["id"])
    assert r.status_code == 200, r.text
    tok = r.json()["tokens"]["access_token"]
    assert jwt_claims(tok)["account_id"] == acc["id"]
    assert r.json()["profile"]["active_membership"] == \
        call("GET", api.accounts + "/" + acc["id"], tok).json()["membership_id"]
    # Removed by the owner, the member's session falls back to their own
    # account; the last owner cannot leave.
    assert remove(api, owner, acc["id"], member).status_code == 204
    assert api.me(tok).json()["active_membership"] == personal(member)["id"]
    assert call("GET", api.accounts + "/" + acc["id"],
                member["access"]).status_code == 404
    assert remove(api, owner, acc["id"], owner).status_code == 409


def test_unauthenticated_is_401(api, db_unchanged):
    one = api.accounts + "/" + NO_ID
    member = one + "/members/" + NO_ID
    with db_unchanged():
        for method, url in (("GET", api.accounts), ("POST", api.accounts),
                            ("GET", one), ("PATCH", one),
                            ("GET", one + "/members"), ("PATCH", member),
                            ("DELETE", member), ("POST", one + "/switch")):
            r = call(method, url, body={} if method in ("POST", "PATCH") else None)
            assert_problem(r, 401, "unauthorized")
            assert r.headers.get("WWW-Authenticate", "").startswith("Bearer")


# -- the list ------------------------------------------------------------------

def test_a_new_user_has_the_personal_account(fapi, new_user):
    u = new_user()
    j = listing(fapi, u)
    assert j["links"] == {"self": "/v1/accounts", "next": None}
    (a,) = j["data"]
    m = personal(u)
    assert a == {"id": m["account_id"], "name": m["account"]["name"],
                 "avatar_url": None, "personal": True, "role": "owner",
                 "membership_id": m["id"], "created_at": a["created_at"]}


def test_list_pages(fapi, new_user):
    u = new_user()
    ids = [personal(u)["account_id"]] + [create(fapi, u, "T%d" % i)["id"]
                                         for i in range(4)]
    j = listing(fapi, u, "?limit=2")
    assert [a["id"] for a in j["data"]] == ids[:2]
    assert j["links"]["self"] == "/v1/accounts?limit=2"
    nxt = j["links"]["next"]
    assert nxt == "/v1/accounts?limit=2&cursor=" + j["data"][-1]["membership_id"]
    j = listing(fapi, u, nxt[len("/v1/accounts"):])
    assert [a["id"] for a in j["data"]] == ids[2:4]
    j = listing(fapi, u, j["links"]["next"][len("/v1/accounts"):])
    assert [a["id"] for a in j["data"]] == ids[4:]
    assert j["links"]["next"] is None
    assert [a["id"] for a in listing(fapi, u, "?limit=100")["data"]] == ids


@pytest.mark.parametrize("query,param,kind", [
    ("?limit=0", "limit", "range"), ("?limit=101", "limit", "range"),
    ("?limit=-1", "limit", "range"), ("?limit=abc", "limit", "range"),
    ("?limit=", "limit", "range"), ("?limit=1e2", "limit", "range"),
    ("?limit=99999999999999999999", "limit", "range"),
    ("?cursor=nope", "cursor", "format"), ("?cursor=", "cursor", "format")])
def test_bad_page_is_400(fapi, new_user, query, param, kind):
    u = new_user()
    for url in (fapi.accounts, "%s/%s/members" % (fapi.accounts,
                                                  personal(u)["account_id"])):
        p = assert_problem(call("GET", url + query, u["access"]), 400,
                           "validation_failed")
        find_param(p, param, kind, in_="query")


def test_only_my_accounts_are_listed(server, fapi, new_user):
    a, b = new_user(), new_user()
    acc = create(fapi, a, "A's")
    assert [x["id"] for x in listing(fapi, b)["data"]] == [personal(b)["account_id"]]
    add_member(fapi, a, acc["id"], b, "viewer")
    got = listing(fapi, b)["data"]
    assert [x["id"] for x in got] == [personal(b)["account_id"], acc["id"]]
    assert got[1]["role"] == "viewer" and got[1]["name"] == "A's"


# -- creating ------------------------------------------------------------------

def test_create(server, fapi, new_user):
    u = new_user()
    r = call("POST", fapi.accounts, u["access"],
             {"name": "  Acme \u00c9quipe  ", "avatar_url": "http://x.example/a.png"})
    assert r.status_code == 201, r.text
    assert_common_headers(r)
    a = check_account(r.json(), "owner")
    assert a["name"] == "Acme \u00c9quipe" and a["personal"] is False
    assert a["avatar_url"] == "http://x.example/a.png"
    assert r.headers["Location"] == "/v1/accounts/" + a["id"]
    assert server.query("SELECT user_id, role FROM memberships WHERE id = ?",
                        a["membership_id"]) == [(uid(u), "owner")]
    assert server.query("SELECT application_id, personal FROM accounts WHERE id = ?",
                        a["id"]) == [(u["profile"]["application_id"], 0)]
    assert "account_created" in actions(server, u)
    # The session stays where it was; the profile lists the new membership.
    me = fapi.me(u["access"]).json()
    assert me["active_membership"] == personal(u)["id"]
    assert [m["id"] for m in me["memberships"]] == [personal(u)["id"],
                                                     a["membership_id"]]


def test_create_without_avatar_and_name_limits(fapi, new_user):
    u = new_user()
    assert create(fapi, u, "x")["avatar_url"] is None
    assert create(fapi, u, "x", avatar_url=None)["avatar_url"] is None
    long = "\u00e9" * 100  # 100 characters, 200 bytes
    assert create(fapi, u, "   " + long + "   ")["name"] == long
    assert create(fapi, u, "Team \U0001F680")["name"] == "Team \U0001F680"


# body -> (invalid_params path, type)
BAD_CREATE = {
    "missing-name": ({}, "name", "required"),
    "empty-name": ({"name": ""}, "name", "length"),
    "spaces-only": ({"name": "    "}, "name", "length"),
    "too-long": ({"name": "a" * 101}, "name", "length"),
    "huge": ({"name": "a" * 5000}, "name", "length"),
    "newline": ({"name": "a\nb"}, "name", "format"),
    "tab": ({"name": "a\tb"}, "name", "format"),
    "del": ({"name": "a\x7fb"}, "name", "format"),
    "c1-control": ({"name": "a\u0085b"}, "name", "format"),
    "nul": ({"name": "a\u0000b"}, "name", "format"),
    "name-number": ({"name": 5}, "name", "type"),
    "name-null": ({"name": None}, "name", "type"),
    "name-array": ({"name": ["a"]}, "name", "type"),
    "avatar-not-url": ({"name": "a", "avatar_url": "not a url at all"}, "avatar_url",
                       "format"),
    "avatar-short": ({"name": "a", "avatar_url": "http://x"}, "avatar_url", "length"),
    "avatar-javascript": ({"name": "a", "avatar_url": "javascript:alert(1)"},
                          "avatar_url", "format"),
    "avatar-too-long": ({"name": "a", "avatar_url": "https://x.example/" + "a" * 2040},
                        "avatar_url", "length"),
    "avatar-number": ({"name": "a", "avatar_url": 1}, "avatar_url", "type"),
    "personal": ({"name": "a", "personal": True}, "personal", "unknown"),
    "extra": ({"name": "a", "owner": "me"}, "owner", "unknown"),
}


@pytest.mark.parametrize("case", sorted(BAD_CREATE))
def test_create_bad_body_is_400(fapi, new_user, db_unchanged, case):
    body, path, kind = BAD_CREATE[case]
    u = new_user()
    with db_unchanged():
        r = call("POST", fapi.accounts, u["access"], body)
    assert_problem(r, 400, "validation_failed", [(path, kind)])


def test_create_reports_every_bad_field(fapi, new_user, db_unchanged):
    u = new_user()
    with db_unchanged():
        r = call("POST", fapi.accounts, u["access"],
                 {"name": " ", "avatar_url": "x", "color": 1})
    assert_problem(r, 400, "validation_failed", [
        ("name", "length", "1..100 characters"), ("avatar_url", "length"),
        ("color", "unknown")])


def test_at_most_100_accounts_owned(server, fapi, new_user, db_unchanged):
    u = new_user()
    for i in range(99):  # the personal account is the first
        assert call("POST", fapi.accounts, u["access"],
                    {"name": "a%d" % i}).status_code == 201
    with db_unchanged(SNAPSHOT_TABLES):
        assert_problem(call("POST", fapi.accounts, u["access"], {"name": "one more"}),
                       409, "account_limit")
    # Accounts one is only a member of do not count.
    other = new_user()
    add_member(fapi, other, create(fapi, other)["id"], u, "member")
    assert_problem(call("POST", fapi.accounts, u["access"], {"name": "x"}),
                   409, "account_limit")
    # Handing one over makes room.
    acc = listing(fapi, u, "?limit=2")["data"][1]
    add_member(fapi, u, acc["id"], other, "member")
    assert set_role(fapi, u, acc["id"], other, "owner").status_code == 200
    assert remove(fapi, u, acc["id"], u).status_code == 204
    assert call("POST", fapi.accounts, u["access"], {"name": "x"}).status_code == 201


# -- one account ---------------------------------------------------------------

def test_get_as_each_role(server, fapi, new_user):
    owner, acc, (member, viewer) = team(server, fapi, new_user, "member", "viewer")
    for u, role in ((owner, "owner"), (member, "member"), (viewer, "viewer")):
        r = call("GET", fapi.accounts + "/" + acc["id"], u["access"])
        assert r.status_code == 200, r.text
        a = check_account(r.json(), role)
        assert a["id"] == acc["id"] and a["name"] == acc["name"]


def test_outsiders_and_unknown_ids_get_the_same_404(fapi, new_user):
    owner, outsider = new_user(), new_user()
    acc = create(fapi, owner)
    answers = []
    for id_ in (acc["id"], NO_ID, "not-an-id", acc["id"].upper()):
        r = call("GET", fapi.accounts + "/" + id_, outsider["access"])
        p = assert_problem(r, 404, "not_found")
        answers.append(p)
    assert all(p == answers[0] for p in answers), answers


def test_patch(server, fapi, new_user):
    u = new_user()
    acc = create(fapi, u, avatar_url="https://x.example/1.png")
    url = fapi.accounts + "/" + acc["id"]
    r = call("PATCH", url, u["access"], {"name": "  New name "})
    assert r.status_code == 200, r.text
    assert r.json() == dict(acc, name="New name")
    r = call("PATCH", url, u["access"], {"avatar_url": None})
    assert r.json() == dict(acc, name="New name", avatar_url=None)
    # Nothing to change: the same account, nothing written or logged.
    n = actions(server, u).count("account_updated")
    r = call("PATCH", url, u["access"], {})
    assert r.status_code == 200 and r.json()["name"] == "New name"
    assert actions(server, u).count("account_updated") == n == 2


def test_patch_the_personal_account(fapi, new_user):
    u = new_user()
    url = fapi.accounts + "/" + personal(u)["account_id"]
    r = call("PATCH", url, u["access"], {"name": "Just me"})
    assert r.status_code == 200, r.text
    assert r.json()["personal"] is True and r.json()["name"] == "Just me"


@pytest.mark.parametrize("body,path,kind", [
    ({"personal": False}, "personal", "unknown"),
    ({"name": None}, "name", "type"),
    ({"name": ""}, "name", "length"),
    ({"name": "a\u0009"}, "name", "format"),
    ({"avatar_url": "ftp://x.example/a"}, "avatar_url", "format"),
    ({"id": NO_ID}, "id", "unknown")],
    ids=["personal", "name-null", "name-empty", "name-tab", "avatar-ftp", "id"])
def test_patch_bad_body_is_400(fapi, new_user, db_unchanged, body, path, kind):
    u = new_user()
    acc = create(fapi, u)
    with db_unchanged():
        r = call("PATCH", fapi.accounts + "/" + acc["id"], u["access"], body)
    assert_problem(r, 400, "validation_failed", [(path, kind)])


def test_only_owners_patch(server, fapi, new_user, db_unchanged):
    owner, acc, (member, viewer) = team(server, fapi, new_user, "member", "viewer")
    outsider = new_user()
    url = fapi.accounts + "/" + acc["id"]
    with db_unchanged():
        for u in (member, viewer):
            assert_problem(call("PATCH", url, u["access"], {"name": "Mine"}),
                           403, "forbidden")
        assert_problem(call("PATCH", url, outsider["access"], {"name": "Mine"}),
                       404, "not_found")
        assert_problem(call("PATCH", fapi.accounts + "/" + NO_ID, owner["access"],
                            {"name": "Mine"}), 404, "not_found")


# -- members -------------------------------------------------------------------

def test_members_list(server, fapi, new_user):
    owner, acc, (member, viewer) = team(server, fapi, new_user, "member", "viewer")
    for u in (owner, member, viewer):
        j = members(fapi, u, acc["id"])
        assert j["links"] == {"self": "/v1/accounts/%s/members" % acc["id"],
                              "next": None}
        assert [(m["user_id"], m["role"]) for m in j["data"]] == [
            (uid(owner), "owner"), (uid(member), "member"), (uid(viewer), "viewer")]
        assert j["data"][0]["membership_id"] == acc["membership_id"]
        assert j["data"][1]["user"]["username"] == member["username"]
    # Pages of one.
    j = members(fapi, owner, acc["id"], "?limit=1")
    assert [m["user_id"] for m in j["data"]] == [uid(owner)]
    j = members(fapi, owner, acc["id"], j["links"]["next"][len(
        "/v1/accounts/%s/members" % acc["id"]):])
    assert [m["user_id"] for m in j["data"]] == [uid(member)]
    assert j["links"]["next"] is not None


def test_members_of_a_disabled_user_show_no_profile(server, fapi, new_user):
    owner, acc, (member,) = team(server, fapi, new_user, "member")
    server.query("UPDATE users SET status = 'disabled' WHERE id = ?", uid(member))
    r = call("GET", "%s/%s/members" % (fapi.accounts, acc["id"]), owner["access"])
    got = {m["user_id"]: m["user"] for m in r.json()["data"]}
    assert got[uid(member)] is None and got[uid(owner)]["id"] == uid(owner)


def test_outsiders_cannot_list_members(fapi, new_user):
    owner, outsider = new_user(), new_user()
    acc = create(fapi, owner)
    for id_ in (acc["id"], NO_ID, "x"):
        assert_problem(call("GET", "%s/%s/members" % (fapi.accounts, id_),
                            outsider["access"]), 404, "not_found")


def test_owner_changes_roles(server, fapi, new_user):
    owner, acc, (member,) = team(server, fapi, new_user, "member")
    for role in ("viewer", "owner", "member", "member"):
        r = set_role(fapi, owner, acc["id"], member, role)
        assert r.status_code == 200, r.text
        m = r.json()
        assert set(m) == MEMBER_KEYS and m["role"] == role, m
        assert m["user"]["id"] == uid(member)
        assert roles_of(fapi, owner, acc["id"])[uid(member)] == role
    assert actions(server, owner).count("member_role_changed") == 4


@pytest.mark.parametrize("role", ["member", "viewer"])
def test_members_and_viewers_cannot_change_roles(server, fapi, new_user,
                                                  db_unchanged, role):
    owner, acc, (caller, other) = team(server, fapi, new_user, role, "viewer")
    with db_unchanged():
        for target, new in ((other, "member"), (owner, "viewer"), (caller, "owner")):
            assert_problem(set_role(fapi, caller, acc["id"], target, new),
                           403, "forbidden")


def test_role_change_of_unknown_member_is_404(fapi, new_user, db_unchanged):
    owner, stranger = new_user(), new_user()
    acc = create(fapi, owner)
    with db_unchanged():
        assert_problem(set_role(fapi, owner, acc["id"], stranger, "member"),
                       404, "not_found")
        for who in (NO_ID, "nobody"):
            assert_problem(call("PATCH", member_url(fapi, acc["id"], who),
                                owner["access"], {"role": "member"}), 404, "not_found")
        # An outsider learns nothing of the account.
        assert_problem(set_role(fapi, stranger, acc["id"], owner, "viewer"),
                       404, "not_found")


@pytest.mark.parametrize("body,kind", [
    ({"role": "admin"}, "format"), ({"role": "Owner"}, "format"),
    ({"role": ""}, "length"), ({"role": "owner "}, "format"),
    ({"role": 1}, "type"), ({"role": None}, "type"), ({"role": ["owner"]}, "type"),
    ({}, "required")], ids=["admin", "case", "empty", "space", "number", "null",
                           "array", "missing"])
def test_bad_role_is_400(server, fapi, new_user, db_unchanged, body, kind):
    owner, acc, (member,) = team(server, fapi, new_user, "member")
    with db_unchanged():
        r = call("PATCH", member_url(fapi, acc["id"], uid(member)), owner["access"],
                 body)
    p = assert_problem(r, 400, "validation_failed", [("role", kind)])
    if kind == "format":
        assert p["invalid_params"][0]["expected"] == "owner, member or viewer"


def test_role_body_extra_field_is_400(server, fapi, new_user, db_unchanged):
    owner, acc, (member,) = team(server, fapi, new_user, "member")
    with db_unchanged():
        r = call("PATCH", member_url(fapi, acc["id"], uid(member)), owner["access"],
                 {"role": "viewer", "user_id": uid(owner)})
    assert_problem(r, 400, "validation_failed", [("user_id", "unknown")])


# -- the last owner --------------------------------------------------------------

def test_the_last_owner_cannot_step_down_or_leave(server, fapi, new_user,
                                                  db_unchanged):
    owner, acc, (member,) = team(server, fapi, new_user, "member")
    with db_unchanged():
        for role in ("member", "viewer"):
            assert_problem(set_role(fapi, owner, acc["id"], owner, role),
                           409, "last_owner")
        assert_problem(remove(fapi, owner, acc["id"], owner), 409, "last_owner")
    # Also the personal account.
    with db_unchanged():
        assert_problem(call("DELETE", member_url(fapi, personal(owner)["account_id"],
                                                 uid(owner)), owner["access"]),
                       409, "last_owner")


def test_two_owners_one_may_leave(server, fapi, new_user):
    a, acc, (b,) = team(server, fapi, new_user, "member")
    assert set_role(fapi, a, acc["id"], b, "owner").status_code == 200
    # Either could step down now; one leaves.
    assert remove(fapi, a, acc["id"], a).status_code == 204
    assert roles_of(fapi, b, acc["id"]) == {uid(b): "owner"}
    assert_problem(remove(fapi, b, acc["id"], b), 409, "last_owner")
    assert_problem(set_role(fapi, b, acc["id"], b, "viewer"), 409, "last_owner")
    assert "account_left" in actions(server, a)


def test_two_owners_demote_each_other_one_stays(server, fapi, new_user):
    a, acc, (b,) = team(server, fapi, new_user, "owner")
    assert set_role(fapi, a, acc["id"], b, "member").status_code == 200
    # b is no owner any more: 403 now, and a stays the owner.
    assert_problem(set_role(fapi, b, acc["id"], a, "member"), 403, "forbidden")
    assert roles_of(fapi, a, acc["id"]) == {uid(a): "owner", uid(b): "member"}


def test_two_owners_demoting_each_other_at_once_keep_one(server, fapi, new_user):
    # The check and the change are one statement in one write transaction:
    # whatever the interleaving, an owner stays.
    import concurrent.futures
    for _ in range(5):
        a, acc, (b,) = team(server, fapi, new_user, "owner")
        with concurrent.futures.ThreadPoolExecutor(2) as ex:
            fa = ex.submit(set_role, fapi, a, acc["id"], a, "member")
            fb = ex.submit(set_role, fapi, b, acc["id"], b, "member")
            codes = sorted([fa.result().status_code, fb.result().status_code])
        assert codes == [200, 409], codes
        owners = server.query("SELECT count(*) FROM memberships WHERE account_id = ?"
                              " AND role = 'owner'", acc["id"])
        assert owners == [(1,)]


# -- removing and leaving ----------------------------------------------------------

def test_owner_removes_a_member(server, fapi, new_user):
    owner, acc, (member, viewer) = team(server, fapi, new_user, "member", "viewer")
    r = remove(fapi, owner, acc["id"], viewer)
    assert r.status_code == 204 and r.content == b"", r.text
    assert roles_of(fapi, owner, acc["id"]) == {uid(owner): "owner",
                                               uid(member): "member"}
    assert_problem(call("GET", fapi.accounts + "/" + acc["id"], viewer["access"]),
                   404, "not_found")
    assert_problem(remove(fapi, owner, acc["id"], viewer), 404, "not_found")
    assert "member_removed" in actions(server, owner)


@pytest.mark.parametrize("role", ["member", "viewer"])
def test_anyone_may_leave(server, fapi, new_user, role):
    owner, acc, (u,) = team(server, fapi, new_user, role)
    r = call("DELETE", member_url(fapi, acc["id"], uid(u)), u["access"],
             headers=JSON, data=b"{}")
    assert r.status_code == 204, r.text
    assert uid(u) not in roles_of(fapi, owner, acc["id"])
    assert actions(server, u)[-1] == "account_left"


@pytest.mark.parametrize("role", ["member", "viewer"])
def test_members_cannot_remove_others(server, fapi, new_user, db_unchanged, role):
    owner, acc, (u, other) = team(server, fapi, new_user, role, "viewer")
    with db_unchanged():
        for target in (owner, other):
            assert_problem(remove(fapi, u, acc["id"], target), 403, "forbidden")


def test_remove_body_must_be_empty(server, fapi, new_user, db_unchanged):
    owner, acc, (member,) = team(server, fapi, new_user, "member")
    with db_unchanged():
        r = call("DELETE", member_url(fapi, acc["id"], uid(member)), owner["access"],
                 {"reason": "x"})
    assert_problem(r, 400, "validation_failed", [("reason", "unknown")])


def test_a_removed_members_session_loses_the_role(server, fapi, new_user):
    owner, acc, (member,) = team(server, fapi, new_user, "member")
    tok = switch(fapi, member, acc["id"]).json()["tokens"]
    assert whoami(server, tok["access_token"])["GATEHOUSE_ROLES"] == "member"
    add_member(fapi, owner, create(fapi, owner, "Other")["id"], member,
               "viewer")
    assert remove(fapi, owner, acc["id"], member).status_code == 204
    # The session moved to the member's first membership left.
    assert fapi.me(tok["access_token"]).json()["active_membership"] == \
        personal(member)["id"]
    assert whoami(server, tok["access_token"])["GATEHOUSE_ROLES"] == "owner"
    assert server.query("SELECT active_membership_id FROM sessions WHERE user_id = ?",
                        uid(member)) == [(personal(member)["id"],)]
    r = fapi.refresh(tok["refresh_token"])
    assert r.status_code == 200, r.text
    c = jwt_claims(r.json()["access_token"])
    assert c["active_membership"] == personal(member)["id"]
    assert c["account_id"] == personal(member)["account_id"]


def test_a_session_with_no_membership_left_has_none(server, fapi, new_user):
    owner, acc, (member,) = team(server, fapi, new_user, "member")
    tok = switch(fapi, member, acc["id"]).json()["tokens"]
    # A user without a personal account (the admin removed it): after the
    # removal there is no membership to move to.
    server.query("DELETE FROM memberships WHERE id = ?", personal(member)["id"])
    assert remove(fapi, owner, acc["id"], member).status_code == 204
    assert fapi.me(tok["access_token"]).json()["active_membership"] is None
    assert whoami(server, tok["access_token"])["GATEHOUSE_ROLES"] == ""
    c = jwt_claims(fapi.refresh(tok["refresh_token"]).json()["access_token"])
    assert "active_membership" not in c and "account_id" not in c


# -- switching -------------------------------------------------------------------

def test_switch(server, fapi, new_user):
    owner, acc, (viewer,) = team(server, fapi, new_user, "viewer")
    before = jwt_claims(viewer["access"])
    assert before["active_membership"] == personal(viewer)["id"]
    assert before["account_id"] == personal(viewer)["account_id"]
    assert whoami(server, viewer["access"])["GATEHOUSE_ROLES"] == "owner"
    r = switch(fapi, viewer, acc["id"])
    assert r.status_code == 200, r.text
    assert_common_headers(r)
    j = r.json()
    assert set(j) == {"tokens", "profile"}, j
    mid = [m for m in j["profile"]["memberships"] if m["account_id"] == acc["id"]][0]
    assert mid["role"] == "viewer"
    assert j["profile"]["active_membership"] == mid["id"]
    t = j["tokens"]
    assert t["token_type"] == "Bearer" and t["expires_in"] == 900
    c = jwt_claims(t["access_token"])
    assert c["active_membership"] == mid["id"] and c["account_id"] == acc["id"]
    assert c["sid"] == before["sid"] and c["sub"] == before["sub"]
    assert c["amr"] == before["amr"] and c["aud"] == before["aud"]
    assert "role" not in c and "roles" not in c
    assert t["refresh_token"] != viewer["refresh"]
    # The session is the truth: the old access token sees the switch too.
    for tok in (t["access_token"], viewer["access"]):
        assert fapi.me(tok).json()["active_membership"] == mid["id"]
        assert whoami(server, tok)["GATEHOUSE_ROLES"] == "viewer"
    assert actions(server, viewer)[-1] == "account_switched"
    # A refresh keeps the membership.
    r = fapi.refresh(t["refresh_token"])
    assert r.status_code == 200, r.text
    c = jwt_claims(r.json()["access_token"])
    assert c["active_membership"] == mid["id"] and c["account_id"] == acc["id"]
    # And back.
    r = switch(fapi, viewer, personal(viewer)["account_id"], r.json()["access_token"])
    assert r.status_code == 200, r.text
    assert jwt_claims(r.json()["tokens"]["access_token"])["account_id"] == \
        personal(viewer)["account_id"]
    assert whoami(server, viewer["access"])["GATEHOUSE_ROLES"] == "owner"


def test_switch_old_refresh_token_within_grace_then_reuse(server, fapi, new_user):
    owner, acc, (u,) = team(server, fapi, new_user, "member")
    r = switch(fapi, u, acc["id"])
    assert r.status_code == 200, r.text
    switched = time.time()
    fresh = r.json()["tokens"]
    # Within the grace window the old token still answers (a tab that
    # refreshed at the same moment), in the session's new membership.
    r = fapi.refresh(u["refresh"])
    assert r.status_code == 200, r.text
    assert jwt_claims(r.json()["access_token"])["account_id"] == acc["id"]
    while time.time() < switched + GRACE + 1.2:
        time.sleep(0.2)
    assert_problem(fapi.refresh(u["refresh"]), 401, "token_reused")
    # Reuse ended the whole session, the switched tokens with it.
    assert_problem(fapi.me(fresh["access_token"]), 401, "session_revoked")
    assert_problem(fapi.refresh(fresh["refresh_token"]), 401, "session_revoked")


def test_switch_sees_a_role_change_at_once(server, fapi, new_user):
    owner, acc, (u,) = team(server, fapi, new_user, "member")
    tok = switch(fapi, u, acc["id"]).json()["tokens"]["access_token"]
    for _ in range(4):  # both authorizer processes
        assert whoami(server, tok)["GATEHOUSE_ROLES"] == "member"
    assert set_role(fapi, owner, acc["id"], u, "viewer").status_code == 200
    for _ in range(4):
        assert whoami(server, tok)["GATEHOUSE_ROLES"] == "viewer"
    assert set_role(fapi, owner, acc["id"], u, "owner").status_code == 200
    assert whoami(server, tok)["GATEHOUSE_ROLES"] == "owner"


def test_switch_elsewhere_is_404(server, fapi, new_user, db_unchanged):
    owner, stranger = new_user(), new_user()
    acc = create(fapi, owner)
    with db_unchanged():
        for id_ in (acc["id"], NO_ID, "x"):
            assert_problem(switch(fapi, stranger, id_), 404, "not_found")
    assert "account_switched" not in actions(server, stranger)


def test_switch_body_must_be_empty(fapi, new_user, db_unchanged):
    u = new_user()
    url = "%s/%s/switch" % (fapi.accounts, personal(u)["account_id"])
    with db_unchanged():
        r = call("POST", url, u["access"], {"membership_id": personal(u)["id"]})
    assert_problem(r, 400, "validation_failed", [("membership_id", "unknown")])
    r = call("POST", url, u["access"], {})
    assert r.status_code == 200, r.text


def test_switch_in_cookie_mode(server, fapi, new_user):
    owner, acc, (u,) = team(server, fapi, new_user, "viewer")
    r = requests.post(fapi.auth + "/sign-in", timeout=TIMEOUT, json={
        "username": u["username"], "password": u["password"], "cookie": True})
    assert r.status_code == 200, r.text
    csrf = r.json()["csrf_token"]
    line = set_cookie(r, "gh_session")
    name, value = line.split(";", 1)[0].split("=", 1)
    jar = {"Cookie": "%s=%s" % (name, value)}

    def roles():
        r = requests.get(server.base_url + WHOAMI, headers=jar, timeout=TIMEOUT)
        assert r.status_code == 200, r.text
        return r.text.split("GATEHOUSE_ROLES=")[1].split("\n")[0]
    for _ in range(4):  # the authorizers' cookie caches hold the session
        assert roles() == "owner"
    url = "%s/%s/switch" % (fapi.accounts, acc["id"])
    assert_problem(requests.post(url, headers=jar, timeout=TIMEOUT), 403,
                   "csrf_failed")
    r = requests.post(url, headers=dict(jar, **{"X-CSRF-Token": csrf}),
                      timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    j = r.json()
    # The same cookie stays: no tokens, no Set-Cookie, the same CSRF token.
    assert set(j) == {"csrf_token", "profile"} and j["csrf_token"] == csrf, j
    assert "Set-Cookie" not in r.headers
    mid = [m for m in j["profile"]["memberships"] if m["account_id"] == acc["id"]][0]
    assert j["profile"]["active_membership"] == mid["id"]
    for _ in range(4):
        assert roles() == "viewer"
    me = requests.get(fapi.auth + "/me", headers=jar, timeout=TIMEOUT).json()
    assert me["active_membership"] == mid["id"]


# -- the action log ----------------------------------------------------------------

def test_every_change_is_logged(server, fapi, new_user):
    owner, acc, (m1, m2) = team(server, fapi, new_user, "member", "member")
    call("PATCH", fapi.accounts + "/" + acc["id"], owner["access"], {"name": "Z"})
    set_role(fapi, owner, acc["id"], m1, "viewer")
    remove(fapi, owner, acc["id"], m1)
    switch(fapi, m2, acc["id"])
    remove(fapi, m2, acc["id"], m2)
    # The members came in by invites, which log their own rows.
    mine = actions(server, owner)
    assert mine.count("invite_created") == 2
    assert [a for a in mine if not a.startswith("invite_")][-4:] == [
        "account_created", "account_updated", "member_role_changed",
        "member_removed"]
    assert actions(server, m2)[-3:] == ["invite_accepted", "account_switched",
                                        "account_left"]
    rows = server.query("SELECT session_id, application_id FROM action_logs"
                        " WHERE user_id = ? AND action = 'account_switched'", uid(m2))
    assert rows == [(jwt_claims(m2["access"])["sid"], m2["profile"]["application_id"])]


# -- refused requests change nothing -----------------------------------------------

def write_routes(api, acc, other):
    """name -> (method, url, a body the route would take)."""
    one = api.accounts + "/" + acc
    return {
        "create": ("POST", api.accounts, {"name": "x"}),
        "patch": ("PATCH", one, {"name": "x"}),
        "member-patch": ("PATCH", member_url(api, acc, other), {"role": "viewer"}),
        "member-delete": ("DELETE", member_url(api, acc, other), {}),
        "switch": ("POST", one + "/switch", {}),
    }


WRITES = ["create", "patch", "member-patch", "member-delete", "switch"]


@pytest.fixture
def writes(server, fapi, new_user):
    owner, acc, (member,) = team(server, fapi, new_user, "member")
    return owner, write_routes(fapi, acc["id"], uid(member))


@pytest.mark.parametrize("route", WRITES)
def test_write_refusals_change_nothing(writes, db_unchanged, route):
    owner, routes = writes
    method, url, body = routes[route]
    tok = owner["access"]
    with db_unchanged():
        r = call(method, url, tok, headers=JSON, data=b'{"name": ')
        assert_problem(r, 400, "malformed_json")
        r = call(method, url, tok, headers=JSON, data=b"[1]")
        assert_problem(r, 400, "malformed_json")
        r = call(method, url, tok, headers=JSON,
                 data=json.dumps(dict(body, padding="x" * 70000)).encode())
        assert_problem(r, 413, "payload_too_large")
        r = call(method, url, tok, headers={"Content-Type": "text/plain"},
                 data=json.dumps(body).encode())
        assert_problem(r, 415, "unsupported_media_type")
        r = call(method, url, tok, dict(body, extra=1))
        assert_problem(r, 400, "validation_failed", [("extra", "unknown")])
        r = call(method, url, None, body)
        assert_problem(r, 401, "unauthorized")
        r = call(method, url, "garbage", body)
        assert_problem(r, 401, "invalid_token")
        h, p, s = tok.split(".")
        r = call(method, url, "%s.%s.%s" % (h, p, s[:-4] + ("AAAA" if s[-4:] != "AAAA"
                                                             else "BBBB")), body)
        assert_problem(r, 401, "invalid_token")


@pytest.mark.parametrize("route,body,path,kind", [
    ("create", {"name": 1}, "name", "type"),
    ("create", {}, "name", "required"),
    ("patch", {"avatar_url": False}, "avatar_url", "type"),
    ("member-patch", {"role": True}, "role", "type"),
    ("member-patch", {}, "role", "required")])
def test_write_wrong_types_and_missing(writes, db_unchanged, route, body, path, kind):
    owner, routes = writes
    method, url, _ = routes[route]
    with db_unchanged():
        r = call(method, url, owner["access"], body)
    assert_problem(r, 400, "validation_failed", [(path, kind)])


@pytest.mark.parametrize("route", WRITES)
def test_write_expired_token_is_401(writes, expiring_token, db_unchanged, route):
    owner, routes = writes
    method, url, body = routes[route]
    tok = expiring_token["token"]
    exp = jwt_claims(tok)["exp"]
    while time.time() < exp + 1.2:
        time.sleep(0.2)
    with db_unchanged():
        assert_problem(call(method, url, tok, body), 401, "token_expired")


@pytest.mark.parametrize("method,path,allow", [
    ("PUT", "", {"GET", "POST"}), ("DELETE", "", {"GET", "POST"}),
    ("POST", "/{id}", {"GET", "PATCH"}), ("DELETE", "/{id}", {"GET", "PATCH"}),
    ("POST", "/{id}/members", {"GET"}), ("GET", "/{id}/members/{id}", {"PATCH", "DELETE"}),
    ("PUT", "/{id}/members/{id}", {"PATCH", "DELETE"}), ("GET", "/{id}/switch", {"POST"})])
def test_wrong_method_is_405(writes, fapi, db_unchanged, method, path, allow):
    owner, _ = writes
    with db_unchanged():
        # lighttpd itself refuses a GET with a body (400).
        r = call(method, fapi.accounts + path.replace("{id}", NO_ID), owner["access"],
                 **({} if method == "GET" else {"headers": JSON, "data": b"{}"}))
    assert_problem(r, 405, "method_not_allowed")
    assert {m.strip() for m in r.headers.get("Allow", "").split(",")} == allow


# -- the API description -----------------------------------------------------------

def test_openapi_describes_the_routes(fapi):
    doc = requests.get(fapi.base_url + "/openapi.json", timeout=TIMEOUT).json()
    paths = doc["paths"]
    want = {"/v1/accounts": {"get", "post"}, "/v1/accounts/{id}": {"get", "patch"},
            "/v1/accounts/{id}/members": {"get"},
            "/v1/accounts/{id}/members/{user_id}": {"patch", "delete"},
            "/v1/accounts/{id}/switch": {"post"}}
    for path, methods in want.items():
        assert path in paths, path
        assert methods <= set(paths[path]), (path, sorted(paths[path]))
    assert "Account" in doc["components"]["schemas"]
