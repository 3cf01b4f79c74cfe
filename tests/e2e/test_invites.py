"""Invites (docs/invites.md) through lighttpd: /v1/invites (create, list,
preview, accept, revoke), /v1/membership/redeem-invite, sign-up with an
invite_code, invite-only sign-up, and emailed invites accepted through
/v1/auth/accept-invite with the message taken from a real SMTP server
(Debian's aiosmtpd). Refused invites answer a clear problem and change
nothing; the last use of an invite goes to exactly one of two racing
users. The core flow runs in every serving mode."""

import threading
import time

import pytest
import requests

import ghlib
from ghlib import TIMEOUT, assert_problem, free_port, unique_email, unique_password
# smtp: a module's own aiosmtpd server (a fixture)
from test_email import link_in, smtp, token_of  # noqa: F401

TIERS = {
    "membership_tiers": "free pro team",
    "membership_tier_free": "profile:edit",
    "membership_tier_pro": "invite:create",
    "membership_tier_team": "group:invite",
    "email_cooldown": 0,
}
CREATED_KEYS = {"id", "type", "target_id", "role", "email", "max_uses", "uses",
                "status", "expires_at", "revoked_at", "created_at", "code",
                "url"}


@pytest.fixture(scope="module")
def srv(root, smtp):
    port = free_port()
    settings = dict(TIERS)
    # cookie_secure off: the browser tests run on plain http.
    settings.update({"smtp_url": "smtp://127.0.0.1:%d" % smtp.port,
                     "public_url": "http://127.0.0.1:%d" % port,
                     "cookie_secure": 0})
    with ghlib.running_server(root, settings=settings, port=port) as s:
        yield s


@pytest.fixture(scope="module")
def sapi(srv):
    return ghlib.Api(srv.base_url, "fcgi")


def sign_up(api, **extra):
    body = {"email": unique_email("inv"), "password": unique_password()}
    body.update(extra)
    r = api.sign_up(body)
    assert r.status_code == 201, r.text
    j = r.json()
    return {"email": body["email"], "password": body["password"],
            "access": j["tokens"]["access_token"], "profile": j["profile"],
            "id": j["profile"]["id"],
            "account": j["profile"]["memberships"][0]["account_id"]}


def bearer(u):
    return {"Authorization": "Bearer " + u["access"]} if u else {}


def create(api, u, **body):
    return requests.post(api.invites, json=body, headers=bearer(u),
                         timeout=TIMEOUT)


def created(api, u, **body):
    r = create(api, u, **body)
    assert r.status_code == 201, r.text
    j = r.json()
    assert set(j) == CREATED_KEYS, j
    assert len(j["code"]) == 43 and j["status"] == "active", j
    return j


def accept(api, u, code, **kw):
    return requests.post(api.invites + "/" + code + "/accept",
                         headers=bearer(u), timeout=TIMEOUT, **kw)


def preview(api, code):
    return requests.get(api.invites + "/" + code, timeout=TIMEOUT)


def redeem(api, u, code):
    return requests.post(api.membership + "/redeem-invite",
                         json={"code": code}, headers=bearer(u),
                         timeout=TIMEOUT)


def me(api, u):
    r = api.me(u["access"])
    assert r.status_code == 200, r.text
    return r.json()


def roles_in(api, u, account_id):
    return [m["role"] for m in me(api, u)["memberships"]
            if m["account_id"] == account_id]


def set_tier(srv, u, tier):
    import subprocess
    r = subprocess.run([srv.root + "/src/cli/gatehouse", "user", "tier",
                        u["id"], tier], capture_output=True, text=True,
                       timeout=30,
                       env=ghlib.clean_env(GATEHOUSE_CONFIG=srv.conf_path))
    assert r.returncode == 0, r.stderr


def invite_row(srv, invite_id):
    return srv.query("SELECT uses, revoked_at FROM invites WHERE id = ?",
                     invite_id)[0]


def unchanged(srv):
    """A context that asserts the tables a refusal must not touch."""
    import contextlib

    @contextlib.contextmanager
    def check():
        before = srv.db_snapshot()
        yield
        assert srv.db_snapshot() == before
    return check()


# -- every serving mode ---------------------------------------------------------

def test_account_invite_create_preview_accept(api, new_user):
    owner, guest = new_user(api=api), new_user(api=api)
    acct = owner["profile"]["memberships"][0]["account_id"]
    r = requests.post(api.invites, json={"type": "account", "target_id": acct,
                                         "role": "viewer"},
                      headers={"Authorization": "Bearer " + owner["access"]},
                      timeout=TIMEOUT)
    assert r.status_code == 201, r.text
    inv = r.json()
    assert inv["url"].endswith("/v1/invites/" + inv["code"])
    assert inv["max_uses"] == 1 and inv["uses"] == 0
    p = preview(api, inv["code"])
    assert p.status_code == 200, p.text
    pj = p.json()
    assert set(pj) == {"code", "type", "creator", "target", "expires_at"}
    assert pj["creator"]["id"] == owner["profile"]["id"]
    assert "email" not in pj["creator"]
    assert pj["target"]["id"] == acct and pj["target"]["role"] == "viewer"
    a = requests.post(api.invites + "/" + inv["code"] + "/accept",
                      headers={"Authorization": "Bearer " + guest["access"]},
                      timeout=TIMEOUT)
    assert a.status_code == 200, a.text
    assert a.json()["type"] == "account" and a.json()["membership_id"]
    ms = api.me(guest["access"]).json()["memberships"]
    assert [m["role"] for m in ms if m["account_id"] == acct] == ["viewer"]
    # Used up: the preview says so too.
    assert_problem(preview(api, inv["code"]), 410, "invite_used_up")


# -- accounts and roles ---------------------------------------------------------

def test_only_an_owner_invites_to_an_account(srv, sapi):
    owner, viewer, stranger = sign_up(sapi), sign_up(sapi), sign_up(sapi)
    inv = created(sapi, owner, type="account", target_id=owner["account"],
                  role="viewer")
    assert accept(sapi, viewer, inv["code"]).status_code == 200
    with unchanged(srv):
        assert_problem(create(sapi, viewer, type="account",
                              target_id=owner["account"]), 403, "forbidden")
        # Not a member: the account's existence does not show.
        assert_problem(create(sapi, stranger, type="account",
                              target_id=owner["account"]), 404, "not_found")
        assert_problem(create(sapi, owner, type="account"), 400,
                       "validation_failed")
        assert_problem(create(sapi, owner, type="account",
                              target_id=owner["account"], role="admin"),
                       400, "validation_failed")


def test_an_invite_used_beyond_its_uses(srv, sapi):
    owner = sign_up(sapi)
    inv = created(sapi, owner, type="account", target_id=owner["account"],
                  max_uses=2)
    a, b, c = sign_up(sapi), sign_up(sapi), sign_up(sapi)
    assert accept(sapi, a, inv["code"]).status_code == 200
    # The same user twice: refused, and not counted.
    with unchanged(srv):
        assert_problem(accept(sapi, a, inv["code"]), 409,
                       "invite_already_used")
    assert accept(sapi, b, inv["code"]).status_code == 200
    with unchanged(srv):
        assert_problem(accept(sapi, c, inv["code"]), 410, "invite_used_up")
    assert invite_row(srv, inv["id"])[0] == 2
    assert roles_in(sapi, c, owner["account"]) == []


def test_a_single_use_invite_refuses_a_second_user(srv, sapi):
    owner, a, b = sign_up(sapi), sign_up(sapi), sign_up(sapi)
    inv = created(sapi, owner, type="account", target_id=owner["account"])
    assert accept(sapi, a, inv["code"]).status_code == 200
    with unchanged(srv):
        assert_problem(accept(sapi, b, inv["code"]), 410, "invite_used_up")


def test_the_last_use_goes_to_exactly_one_of_two_racing_users(srv, sapi):
    owner = sign_up(sapi)
    for _ in range(5):
        inv = created(sapi, owner, type="account", target_id=owner["account"])
        racers = [sign_up(sapi), sign_up(sapi)]
        start = threading.Barrier(2)
        answers = [None, None]

        def go(i):
            start.wait()
            answers[i] = accept(sapi, racers[i], inv["code"])
        threads = [threading.Thread(target=go, args=(i,)) for i in (0, 1)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        codes = sorted(r.status_code for r in answers)
        assert codes == [200, 410], [r.text for r in answers]
        assert invite_row(srv, inv["id"])[0] == 1
        assert srv.query("SELECT count(*) FROM invite_uses WHERE invite_id = ?",
                         inv["id"]) == [(1,)]
        joined = sum(len(roles_in(sapi, u, owner["account"])) for u in racers)
        assert joined == 1


def test_an_expired_invite_is_refused(srv, sapi):
    owner, guest = sign_up(sapi), sign_up(sapi)
    inv = created(sapi, owner, type="account", target_id=owner["account"],
                  expires_in=60)
    srv.query("UPDATE invites SET expires_at = ? WHERE id = ?",
              int(time.time()) - 1, inv["id"])
    with unchanged(srv):
        assert_problem(preview(sapi, inv["code"]), 410, "invite_expired")
        assert_problem(accept(sapi, guest, inv["code"]), 410, "invite_expired")


def test_a_revoked_invite_is_refused(srv, sapi):
    owner, guest, other = sign_up(sapi), sign_up(sapi), sign_up(sapi)
    inv = created(sapi, owner, type="account", target_id=owner["account"])
    with unchanged(srv):
        r = requests.delete(sapi.invites + "/" + inv["code"],
                            headers=bearer(other), timeout=TIMEOUT)
        assert_problem(r, 404, "not_found")
    r = requests.delete(sapi.invites + "/" + inv["code"], headers=bearer(owner),
                        timeout=TIMEOUT)
    assert r.status_code == 204, r.text
    assert invite_row(srv, inv["id"])[1] is not None
    # Again, and by its id: still 204, nothing more changes.
    with unchanged(srv):
        r = requests.delete(sapi.invites + "/" + inv["id"],
                            headers=bearer(owner), timeout=TIMEOUT)
        assert r.status_code == 204, r.text
        assert_problem(preview(sapi, inv["code"]), 410, "invite_revoked")
        assert_problem(accept(sapi, guest, inv["code"]), 410, "invite_revoked")
    assert ("invite_revoked",) in srv.query(
        "SELECT action FROM action_logs WHERE user_id = ?", owner["id"])


def test_own_invite_and_already_member(srv, sapi):
    owner, guest = sign_up(sapi), sign_up(sapi)
    inv = created(sapi, owner, type="account", target_id=owner["account"],
                  max_uses=None)
    with unchanged(srv):
        assert_problem(accept(sapi, owner, inv["code"]), 409, "invite_own")
    assert accept(sapi, guest, inv["code"]).status_code == 200
    again = created(sapi, owner, type="account", target_id=owner["account"])
    with unchanged(srv):
        assert_problem(accept(sapi, guest, again["code"]), 409,
                       "already_member")


# -- membership, friend, group ----------------------------------------------------

def test_membership_invite_and_redeem(srv, sapi):
    free, pro, guest = sign_up(sapi), sign_up(sapi), sign_up(sapi)
    with unchanged(srv):
        assert_problem(create(sapi, free, type="membership"), 403, "forbidden")
    set_tier(srv, pro, "pro")
    with unchanged(srv):
        # Not above their own tier; not the lowest one.
        assert_problem(create(sapi, pro, type="membership", target_id="team"),
                       403, "forbidden")
        assert_problem(create(sapi, pro, type="membership", target_id="free"),
                       400, "validation_failed")
    inv = created(sapi, pro, type="membership")
    assert inv["target_id"] == "pro"
    p = preview(sapi, inv["code"]).json()
    assert p["target"] == {"tier": "pro", "level": 1}
    acct = created(sapi, pro, type="account", target_id=pro["account"])
    with unchanged(srv):
        assert_problem(redeem(sapi, guest, acct["code"]), 400,
                       "invite_wrong_type")
        assert_problem(redeem(sapi, guest, "x" * 43), 404, "not_found")
    r = redeem(sapi, guest, inv["code"])
    assert r.status_code == 200, r.text
    assert r.json()["tier"] == "pro" and r.json()["is_member"] is True
    assert "invite:create" in r.json()["capabilities"]
    # Already there: a second invite is not used up on them.
    inv2 = created(sapi, pro, type="membership")
    with unchanged(srv):
        assert_problem(redeem(sapi, guest, inv2["code"]), 409,
                       "already_member")


def test_friend_and_group_invites(srv, sapi):
    a, b, team = sign_up(sapi), sign_up(sapi), sign_up(sapi)
    with unchanged(srv):
        assert_problem(create(sapi, a, type="friend", target_id="x"), 400,
                       "validation_failed")
        assert_problem(create(sapi, a, type="friend", role="member"), 400,
                       "validation_failed")
        assert_problem(create(sapi, a, type="group", target_id="g-1"), 403,
                       "forbidden")
        assert_problem(create(sapi, a, type="club"), 400, "validation_failed")
    f = created(sapi, a, type="friend")
    assert preview(sapi, f["code"]).json()["target"] is None
    r = accept(sapi, b, f["code"])
    assert r.status_code == 200 and r.json()["type"] == "friend", r.text
    set_tier(srv, team, "team")
    g = created(sapi, team, type="group", target_id="g-1", max_uses=None)
    assert preview(sapi, g["code"]).json()["target"] == {"id": "g-1"}
    assert accept(sapi, b, g["code"]).json()["target_id"] == "g-1"


# -- listing ---------------------------------------------------------------------

def test_list_is_mine_newest_first_with_status_and_pages(srv, sapi):
    owner, guest = sign_up(sapi), sign_up(sapi)
    ids = [created(sapi, owner, type="friend")["id"] for _ in range(3)]
    used = created(sapi, owner, type="friend")
    assert accept(sapi, guest, used["code"]).status_code == 200
    created(sapi, guest, type="friend")
    r = requests.get(sapi.invites, headers=bearer(owner), timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert [d["id"] for d in data] == [used["id"]] + ids[::-1]
    assert data[0]["status"] == "used_up" and data[1]["status"] == "active"
    assert all("code" not in d for d in data)
    r = requests.get(sapi.invites + "?limit=2", headers=bearer(owner),
                     timeout=TIMEOUT)
    page = r.json()
    assert [d["id"] for d in page["data"]] == [used["id"], ids[2]]
    nxt = page["links"]["next"]
    r = requests.get(srv.base_url + nxt, headers=bearer(owner), timeout=TIMEOUT)
    assert [d["id"] for d in r.json()["data"]] == [ids[1], ids[0]]
    for q in ("?limit=0", "?limit=101", "?limit=x", "?cursor=nope"):
        r = requests.get(sapi.invites + q, headers=bearer(owner), timeout=TIMEOUT)
        assert_problem(r, 400, "validation_failed")


# -- email invites ----------------------------------------------------------------

def test_an_emailed_invite_signs_up_and_joins(srv, sapi, smtp):
    owner = sign_up(sapi)
    addr = unique_email("invited")
    inv = created(sapi, owner, type="account", target_id=owner["account"],
                  role="member", email=addr)
    assert inv["email"] == addr
    msg = smtp.inbox.wait_for(addr, "invited you")
    link = link_in(msg)
    assert link.startswith(srv.base_url + "/v1/auth/accept-invite?token=")
    r = requests.get(link, timeout=TIMEOUT)
    assert r.status_code == 201, r.text
    p = r.json()["profile"]
    assert p["credentials"][0]["email"] == addr
    assert p["credentials"][0]["email_verified_at"] is not None
    joined = [m for m in p["memberships"] if m["account_id"] == owner["account"]]
    assert [m["role"] for m in joined] == ["member"]
    assert p["active_membership"] == joined[0]["id"]
    # The link works once.
    with unchanged(srv):
        assert_problem(requests.get(link, timeout=TIMEOUT), 400,
                       "invalid_token")


def test_an_emailed_invite_to_an_existing_user(srv, sapi, smtp):
    owner, guest, other = sign_up(sapi), sign_up(sapi), sign_up(sapi)
    inv = created(sapi, owner, type="account", target_id=owner["account"],
                  email=guest["email"].upper())
    # Bound to the address: someone else's code use is refused.
    with unchanged(srv):
        assert_problem(accept(sapi, other, inv["code"]), 403,
                       "invite_email_mismatch")
        # ... and so is the addressee's, before they proved the address.
        assert_problem(accept(sapi, guest, inv["code"]), 403,
                       "invite_email_mismatch")
    msg = smtp.inbox.wait_for(guest["email"].upper(), "invited you")
    r = requests.get(link_in(msg), timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    assert r.json()["profile"]["id"] == guest["id"]
    assert roles_in(sapi, guest, owner["account"]) == ["member"]


def test_an_emailed_invite_revoked_before_the_click(srv, sapi, smtp):
    owner = sign_up(sapi)
    addr = unique_email("late")
    inv = created(sapi, owner, type="friend", email=addr)
    link = link_in(smtp.inbox.wait_for(addr, "invited you"))
    r = requests.delete(sapi.invites + "/" + inv["code"], headers=bearer(owner),
                        timeout=TIMEOUT)
    assert r.status_code == 204
    with unchanged(srv):
        assert_problem(requests.get(link, timeout=TIMEOUT), 410,
                       "invite_revoked")
    assert srv.query("SELECT count(*) FROM emails WHERE email = ?", addr) == [(0,)]
    assert token_of(link)


# -- sign-up with an invite ----------------------------------------------------------

def test_sign_up_with_an_invite_code_joins(srv, sapi):
    owner = sign_up(sapi)
    inv = created(sapi, owner, type="account", target_id=owner["account"])
    u = sign_up(sapi, invite_code=inv["code"])
    joined = [m for m in u["profile"]["memberships"]
              if m["account_id"] == owner["account"]]
    assert [m["role"] for m in joined] == ["member"]
    assert u["profile"]["active_membership"] == joined[0]["id"]
    assert len(u["profile"]["memberships"]) == 2    # and the personal one
    # Used up now: a second sign-up with it makes no user.
    with unchanged(srv):
        r = sapi.sign_up({"email": unique_email("late"),
                          "password": unique_password(),
                          "invite_code": inv["code"]})
        assert_problem(r, 410, "invite_used_up")
        r = sapi.sign_up({"email": unique_email("bad"),
                          "password": unique_password(),
                          "invite_code": "A" * 43})
        assert_problem(r, 400, "validation_failed")
        assert r.json()["invalid_params"][0]["path"] == "invite_code"


def test_invite_only_sign_up(root, smtp):
    port = free_port()
    settings = {"signup_invite_only": 1, "email_cooldown": 0,
                "smtp_url": "smtp://127.0.0.1:%d" % smtp.port,
                "public_url": "http://127.0.0.1:%d" % port}
    with ghlib.running_server(root, settings=settings, port=port) as s:
        api = ghlib.Api(s.base_url, "fcgi")
        with unchanged(s):
            r = api.sign_up({"email": unique_email("no"),
                             "password": unique_password()})
            assert_problem(r, 403, "invite_required")
        # The first user comes from the admin command.
        import subprocess
        addr, pw = unique_email("admin"), unique_password()
        r = subprocess.run([s.root + "/src/cli/gatehouse", "user", "add", addr,
                            "--password-stdin"],
                           input=pw + "\n", capture_output=True, text=True,
                           timeout=30,
                           env=ghlib.clean_env(GATEHOUSE_CONFIG=s.conf_path))
        assert r.returncode == 0, r.stderr
        r = api.sign_in({"email": addr, "password": pw})
        assert r.status_code == 200, r.text
        admin = {"access": r.json()["tokens"]["access_token"]}
        inv = created(api, admin, type="friend")
        u = sign_up(api, invite_code=inv["code"])
        assert u["profile"]["status"] == "active"
        # Nor does an email code make a visitor account.
        stranger = unique_email("code")
        r = requests.post(s.base_url + "/v1/auth/email-code/start",
                          json={"email": stranger}, timeout=TIMEOUT)
        assert r.status_code in (200, 202, 204), r.text
        import re
        msg = smtp.inbox.wait_for(stranger, "code")
        code = re.search(r"\b(\d{6})\b", msg.get_body(
            preferencelist=("plain",)).get_content()).group(1)
        with unchanged(s):
            r = requests.post(s.base_url + "/v1/auth/email-code/verify",
                              json={"email": stranger, "code": code},
                              timeout=TIMEOUT)
            assert_problem(r, 403, "invite_required")


# -- bad input -------------------------------------------------------------------------

@pytest.mark.parametrize("body", [
    {}, {"type": 5}, {"type": "friend", "extra": 1},
    {"type": "friend", "max_uses": 0}, {"type": "friend", "max_uses": "2"},
    {"type": "friend", "expires_in": 59},
    {"type": "friend", "expires_in": 91 * 86400},
    {"type": "friend", "email": "not-an-email"},
    {"type": "friend", "target_id": None, "role": 3},
])
def test_create_bad_body_is_400(srv, sapi, body):
    u = sign_up(sapi)
    with unchanged(srv):
        assert_problem(create(sapi, u, **body), 400, "validation_failed")


def test_create_bad_requests(srv, sapi):
    u = sign_up(sapi)
    h = bearer(u)
    with unchanged(srv):
        r = requests.post(sapi.invites, data="{", timeout=TIMEOUT,
                          headers=dict(h, **{"Content-Type": "application/json"}))
        assert_problem(r, 400, "malformed_json")
        r = requests.post(sapi.invites, data="type=friend", timeout=TIMEOUT,
                          headers=dict(h, **{"Content-Type":
                                             "application/x-www-form-urlencoded"}))
        assert_problem(r, 415, "unsupported_media_type")
        r = requests.post(sapi.invites, timeout=TIMEOUT, headers=dict(
            h, **{"Content-Type": "application/json"}),
            data='{"type":"friend","target_id":"%s"}' % ("x" * 70000))
        assert_problem(r, 413, "payload_too_large")
        assert_problem(requests.post(sapi.invites, json={"type": "friend"},
                                     timeout=TIMEOUT), 401, "unauthorized")
        r = requests.post(sapi.invites, json={"type": "friend"}, timeout=TIMEOUT,
                          headers={"Authorization": "Bearer x.y.z"})
        assert r.status_code == 401
        r = requests.put(sapi.invites, json={"type": "friend"}, headers=h,
                         timeout=TIMEOUT)
        assert_problem(r, 405, "method_not_allowed")
        assert "POST" in r.headers["Allow"]


def test_accept_bad_requests(srv, sapi):
    owner, u = sign_up(sapi), sign_up(sapi)
    inv = created(sapi, owner, type="friend")
    with unchanged(srv):
        assert_problem(accept(sapi, u, "short"), 404, "not_found")
        assert_problem(accept(sapi, u, "B" * 43), 404, "not_found")
        assert_problem(accept(sapi, None, inv["code"]), 401, "unauthorized")
        assert_problem(accept(sapi, u, inv["code"], json={"x": 1}), 400,
                       "validation_failed")
        assert_problem(preview(sapi, "B" * 43), 404, "not_found")
        assert_problem(redeem(sapi, u, 7), 400, "validation_failed")
        r = requests.get(srv.base_url + "/v1/auth/accept-invite?token=" +
                         "C" * 43, timeout=TIMEOUT)
        assert_problem(r, 400, "invalid_token")
        r = requests.get(srv.base_url + "/v1/auth/accept-invite",
                         timeout=TIMEOUT)
        assert_problem(r, 400, "invalid_token")


def test_the_dashboard_lists_invites_to_a_proven_address(srv, sapi, smtp):
    owner, guest = sign_up(sapi), sign_up(sapi)
    first = created(sapi, owner, type="account", target_id=owner["account"],
                    email=guest["email"])
    second = created(sapi, owner, type="friend", email=guest["email"])

    def pending():
        r = requests.get(srv.base_url + "/v1/auth/dashboard",
                         headers=bearer(guest), timeout=TIMEOUT)
        assert r.status_code == 200, r.text
        return [i["id"] for i in r.json()["pending_invites"]]
    # Not shown until the address is proven: anyone can type an address.
    assert pending() == []
    msg = smtp.inbox.wait_for(guest["email"], "the account")
    r = requests.get(link_in(msg), timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    guest["access"] = r.json()["tokens"]["access_token"]
    # The link proved it and used the first: the second is pending.
    assert pending() == [second["id"]]
    assert first["id"] not in pending()


def test_an_owners_invite_lapses_when_they_are_no_owner(srv, sapi):
    owner, co, guest = sign_up(sapi), sign_up(sapi), sign_up(sapi)
    made = created(sapi, owner, type="account", target_id=owner["account"],
                   role="owner")
    assert accept(sapi, co, made["code"]).status_code == 200
    theirs = created(sapi, co, type="account", target_id=owner["account"])
    # The first owner demotes the second: the second's invite lapses.
    r = requests.patch("%s/%s/members/%s" % (sapi.accounts, owner["account"],
                                             co["id"]),
                       json={"role": "member"}, headers=bearer(owner),
                       timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    with unchanged(srv):
        assert_problem(accept(sapi, guest, theirs["code"]), 410,
                       "invite_revoked")
    assert roles_in(sapi, guest, owner["account"]) == []


# -- the emailed link in a browser ---------------------------------------------------

def emailed(sapi, smtp, tag):
    """An owner, and the link of their account invite mailed to a new
    address: (owner, address, link)."""
    owner = sign_up(sapi)
    addr = unique_email(tag)
    created(sapi, owner, type="account", target_id=owner["account"],
            email=addr)
    return owner, addr, link_in(smtp.inbox.wait_for(addr, "invited you"))


def test_a_browser_opening_the_link_gets_a_session_cookie(srv, sapi, smtp):
    owner, addr, link = emailed(sapi, smtp, "browser")
    html = {"Accept": "text/html,application/xhtml+xml"}
    s = requests.Session()
    r = s.get(link, headers=html, allow_redirects=False, timeout=TIMEOUT)
    assert r.status_code == 303, r.text
    assert r.headers["Location"] == "/ui/me"
    assert ghlib.set_cookie(r, "gh_session").startswith("gh_session=")
    page = s.get(srv.base_url + "/ui/me", headers=html, timeout=TIMEOUT)
    assert page.status_code == 200 and addr in page.text
    # The account joined is in the cookie session's profile.
    r = s.get(srv.base_url + "/v1/auth/me", timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    assert owner["account"] in [m["account_id"] for m in r.json()["memberships"]]
    # Again: a page that says so, and nothing changes.
    with unchanged(srv):
        r = requests.get(link, headers=html, allow_redirects=False,
                         timeout=TIMEOUT)
    assert r.status_code == 400
    assert r.headers["Content-Type"].startswith("text/html")
    assert "did not work" in r.text and "not valid or was already used" in r.text


def test_a_browser_with_2fa_is_asked_for_the_second_factor(srv, sapi, smtp):
    import subprocess
    owner, guest = sign_up(sapi), sign_up(sapi)
    h = bearer(guest)
    r = requests.post(srv.base_url + "/v1/mfa/totp/setup", headers=h,
                      json={}, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    secret = r.json()["secret"]

    def totp():
        return subprocess.run(["oathtool", "--totp", "-b", secret],
                              capture_output=True, text=True,
                              check=True).stdout.strip()
    r = requests.post(srv.base_url + "/v1/mfa/totp/enable", headers=h,
                      json={"code": totp()}, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    backup = r.json()["backup_codes"]
    created(sapi, owner, type="account", target_id=owner["account"],
            email=guest["email"])
    link = link_in(smtp.inbox.wait_for(guest["email"], "invited you"))
    r = requests.get(link, headers={"Accept": "text/html"},
                     allow_redirects=False, timeout=TIMEOUT)
    assert r.status_code == 303, r.text
    assert r.headers["Location"].startswith("/ui/mfa?mfa_token=")
    assert r.headers["Location"].endswith("&return_to=/ui/me")
    assert ghlib.set_cookie(r, "gh_session") == ""
    page = requests.get(srv.base_url + r.headers["Location"], timeout=TIMEOUT)
    assert page.status_code == 200 and "Two-step verification" in page.text
    # The hosted page finishes the sign-in (a backup code: no clock edge).
    token = r.headers["Location"].split("mfa_token=")[1].split("&")[0]
    r = requests.post(srv.base_url + "/ui/mfa", timeout=TIMEOUT,
                      data={"mfa_token": token, "code": backup[0],
                            "return_to": "/ui/me"}, allow_redirects=False,
                      headers={"Origin": srv.base_url})
    assert r.status_code == 303 and r.headers["Location"] == "/ui/me", r.text
    assert ghlib.set_cookie(r, "gh_session").startswith("gh_session=")
    assert roles_in(sapi, guest, owner["account"]) == ["member"]


def test_the_emailed_link_in_chromium(srv, sapi, smtp):
    _, addr, link = emailed(sapi, smtp, "chromium")
    seen = ghlib.run_browser("invite.mjs", link)
    assert seen["landed"] == "/ui/me"
    assert addr in seen["me_text"]
    assert seen["again_status"] == 400
    assert seen["again_type"].startswith("text/html")
    assert seen["again_heading"] == "This invite link did not work"
    assert "already used" in seen["again_text"]
    assert seen["sign_in"].startswith("/ui/sign-in")
