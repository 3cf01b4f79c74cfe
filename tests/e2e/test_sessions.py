"""Sessions (docs/sessions.md): sessions.fcgi at /v1/sessions (the list,
DELETE /{id}, POST /revoke, POST /revoke-others), device metadata from
real User-Agent strings and the X-Client-* headers, the country from a
trusted header or a MaxMind database (written by mmdb_writer.py), the
once-a-minute last_active_at, presence (POST /v1/auth/disconnect) and
POST /v1/auth/change-password, through lighttpd.
"""

import json
import os
import time
import uuid

import pytest
import requests

import ghlib
from ghlib import (TIMEOUT, Api, assert_problem, assert_recent, parse_time,
                   unique_email, unique_password)
from mmdb_writer import write_mmdb

UA = {
    "chrome-windows": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
                      "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "chrome-android": "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, "
                      "like Gecko) Chrome/131.0.6778.135 Mobile Safari/537.36",
    "firefox-linux": "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 "
                     "Firefox/133.0",
    "safari-iphone": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1_1 like Mac OS X) "
                     "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1.1 "
                     "Mobile/15E148 Safari/604.1",
    "safari-mac": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
                  "(KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    "edge": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, "
            "like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86",
    "okhttp": "okhttp/4.12.0",
    "curl": "curl/8.11.0",
    "googlebot": "Mozilla/5.0 (compatible; Googlebot/2.1; "
                 "+http://www.google.com/bot.html)",
}

# What each string says: device_type, os, os_version, app_name, app_version.
PARSED = {
    "chrome-windows": ("desktop", "Windows", "10", "Chrome", "131.0.0.0"),
    "chrome-android": ("mobile", "Android", "10", "Chrome", "131.0.6778.135"),
    "firefox-linux": ("desktop", "Linux", None, "Firefox", "133.0"),
    "safari-iphone": ("mobile", "iOS", "18.1.1", "Safari", "18.1.1"),
    "safari-mac": ("desktop", "macOS", "10.15.7", "Safari", "18.1"),
    "edge": ("desktop", "Windows", "10", "Edge", "131.0.2903.86"),
    "okhttp": ("mobile", "Android", None, "okhttp", "4.12.0"),
    "curl": ("unknown", None, None, "curl", "8.11.0"),
    "googlebot": ("bot", None, None, "Googlebot", "2.1"),
}

SESSION_KEYS = {"id", "client_id", "device_type", "os", "os_version", "app_name",
                "app_version", "ip", "user_agent", "country", "region", "created_at",
                "last_active_at", "current"}

JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def srv(root, tmp_path_factory):
    """lighttpd with the trusted country and region headers and a MaxMind
    database (127.0.0.0/8 is Auckland, New Zealand); cookie_secure = 0 so
    the client sends the session cookie back over http."""
    mmdb = str(tmp_path_factory.mktemp("geo") / "test.mmdb")
    write_mmdb(mmdb, {
        "127.0.0.0/8": {"country": {"iso_code": "NZ", "names": {"en": "New Zealand"}},
                        "subdivisions": [{"iso_code": "AUK"}]},
        "10.0.0.0/8": {"country": {"iso_code": "DE"}},
    })
    os.chmod(os.path.dirname(mmdb), 0o755)
    settings = {"cookie_secure": 0, "geo_country_header": "CF-IPCountry",
                "geo_region_header": "CF-Region-Code", "geoip_database": mmdb}
    with ghlib.running_server(root, settings=settings) as s:
        yield s


@pytest.fixture(scope="module")
def api(srv):
    return Api(srv.base_url, "fcgi")


def sign_up(api, ua=None, **headers):
    body = {"email": unique_email("sess"), "password": unique_password()}
    h = dict(headers)
    if ua:
        h["User-Agent"] = ua
    r = api.sign_up(body, headers=h)
    assert r.status_code == 201, r.text
    j = r.json()
    return {"email": body["email"], "password": body["password"],
            "access": j["tokens"]["access_token"],
            "refresh": j["tokens"]["refresh_token"],
            "id": j["profile"]["id"]}


def sign_in(api, user, ua=None, cookie=False, session=None, **headers):
    h = dict(headers)
    if ua:
        h["User-Agent"] = ua
    body = {"email": user["email"], "password": user["password"]}
    if cookie:
        body["cookie"] = True
    r = (session or requests).post(api.auth + "/sign-in", json=body, headers=h,
                                   timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    return r.json() if cookie else r.json()["tokens"]


def bearer(token):
    return {"Authorization": "Bearer " + token}


def listing(api, token):
    r = requests.get(api.sessions, headers=bearer(token), timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    assert "no-store" in r.headers.get("Cache-Control", "")
    return r.json()


def sid(token):
    return ghlib.jwt_claims(token)["sid"]


def row(srv, session_id, cols="last_active_at, offline_at, revoked_at"):
    rows = srv.query("SELECT %s FROM sessions WHERE id = ?" % cols, session_id)
    assert rows, session_id
    return rows[0]


# -- the list -----------------------------------------------------------------

def test_list_shows_the_current_session_and_its_device(srv, api):
    u = sign_up(api, UA["chrome-windows"])
    j = listing(api, u["access"])
    assert set(j) == {"data", "current_session_id"}
    assert j["current_session_id"] == sid(u["access"])
    (s,) = j["data"]
    assert SESSION_KEYS <= set(s), s
    assert s["id"] == j["current_session_id"] and s["current"] is True
    assert s["client_id"] == "default"
    assert (s["device_type"], s["os"], s["os_version"], s["app_name"],
            s["app_version"]) == PARSED["chrome-windows"]
    assert s["user_agent"] == UA["chrome-windows"]
    assert s["ip"] == "127.0.0.1"
    assert_recent(s["created_at"])
    assert_recent(s["last_active_at"])
    assert s["offline_at"] is None


def test_devices_parsed_from_real_user_agents_newest_first(srv, api):
    u = sign_up(api)  # python-requests' own User-Agent
    names = list(UA)
    for name in names:
        sign_in(api, u, UA[name])
    j = listing(api, u["access"])
    data = j["data"]
    assert len(data) == len(names) + 1
    created = [parse_time(s["created_at"]) for s in data]
    assert created == sorted(created, reverse=True)
    by_agent = {s["user_agent"]: s for s in data}
    for name in names:
        s = by_agent[UA[name]]
        got = (s["device_type"], s["os"], s["os_version"], s["app_name"],
               s["app_version"])
        assert got == PARSED[name], (name, got)
        assert s["current"] is False
    first = data[-1]  # the sign-up, the oldest
    assert first["app_name"] == "python-requests" and first["current"] is True
    assert first["device_type"] == "unknown"


def test_x_client_headers_override_the_user_agent(srv, api):
    u = sign_up(api)
    sign_in(api, u, UA["okhttp"], **{
        "X-Client-Name": "Acme Notes", "X-Client-Version": "5.2.0",
        "X-Client-OS": "iPadOS", "X-Client-OS-Version": "18.1",
        "X-Client-Device": "Tablet"})
    sign_in(api, u, UA["chrome-windows"], **{
        "X-Client-Name": "A" * 300, "X-Client-Device": "toaster",
        "X-Client-OS": ""})
    data = listing(api, u["access"])["data"]
    acme = next(s for s in data if s["user_agent"] == UA["okhttp"])
    assert (acme["device_type"], acme["os"], acme["os_version"], acme["app_name"],
            acme["app_version"]) == ("tablet", "iPadOS", "18.1", "Acme Notes", "5.2.0")
    long = next(s for s in data if s["user_agent"] == UA["chrome-windows"])
    # Cut to 64 characters; the name alone drops the browser's version; an
    # unknown device type and a blank OS are ignored.
    assert long["app_name"] == "A" * 64 and long["app_version"] is None
    assert long["device_type"] == "desktop" and long["os"] == "Windows"


def test_country_and_region_from_the_trusted_headers(srv, api):
    u = sign_up(api, **{"CF-IPCountry": "de", "CF-Region-Code": "BE"})
    (s,) = listing(api, u["access"])["data"]
    assert (s["country"], s["region"]) == ("DE", "BE")


def test_country_from_the_maxmind_database(srv, api):
    u = sign_up(api)
    (s,) = listing(api, u["access"])["data"]
    assert (s["country"], s["region"]) == ("NZ", "AUK")


@pytest.mark.parametrize("value", ["XX", "Germany", "D", "d!"])
def test_unusable_country_header_falls_back_to_the_database(srv, api, value):
    u = sign_up(api, **{"CF-IPCountry": value, "CF-Region-Code": "BE"})
    (s,) = listing(api, u["access"])["data"]
    assert (s["country"], s["region"]) == ("NZ", "AUK")


def test_list_through_plain_cgi(srv):
    cgi = Api(srv.base_url, "cgi")
    u = sign_up(cgi, UA["safari-mac"])
    j = listing(cgi, u["access"])
    assert [s["id"] for s in j["data"]] == [sid(u["access"])]
    assert j["data"][0]["os"] == "macOS"


def test_list_needs_a_session(api):
    r = requests.get(api.sessions, timeout=TIMEOUT)
    assert_problem(r, 401, "unauthorized")
    r = requests.get(api.sessions, headers=bearer("not.a.token"), timeout=TIMEOUT)
    assert_problem(r, 401, "invalid_token")


def test_list_leaves_out_revoked_and_expired_sessions(srv, api):
    u = sign_up(api)
    old = sign_in(api, u)
    gone = sign_in(api, u)
    assert api.sign_out(gone["access_token"]).status_code == 204
    # A session whose newest refresh token is older than refresh_ttl.
    srv.query("UPDATE refresh_tokens SET created_at = created_at - 31 * 86400 "
              "WHERE session_id = ?", sid(old["access_token"]))
    ids = [s["id"] for s in listing(api, u["access"])["data"]]
    assert ids == [sid(u["access"])]


def test_list_shows_only_the_callers_sessions(api):
    a, b = sign_up(api), sign_up(api)
    assert [s["id"] for s in listing(api, a["access"])["data"]] == [sid(a["access"])]
    assert [s["id"] for s in listing(api, b["access"])["data"]] == [sid(b["access"])]


# -- last_active_at, at most once a minute ------------------------------------

def wal_state(srv):
    st = os.stat(srv.db_path + "-wal")
    return st.st_size, st.st_mtime_ns


def test_last_active_moves_when_a_minute_old(srv, api):
    u = sign_up(api)
    s = sid(u["access"])
    srv.query("UPDATE sessions SET last_active_at = ? WHERE id = ?",
              int(time.time()) - 120, s)
    assert api.me(u["access"]).status_code == 200
    assert abs(row(srv, s)[0] - time.time()) < 5


def test_quick_requests_write_nothing(srv, api):
    u = sign_up(api)
    s = sid(u["access"])
    recent = int(time.time()) - 30
    srv.query("UPDATE sessions SET last_active_at = ? WHERE id = ?", recent, s)
    assert api.me(u["access"]).status_code == 200  # may warm a cache
    time.sleep(1)  # the sign-up's email is sent after its answer
    before = wal_state(srv)
    for _ in range(3):
        assert api.me(u["access"]).status_code == 200
        assert listing(api, u["access"])["data"]
    assert row(srv, s)[0] == recent
    assert wal_state(srv) == before, "a request within the minute wrote"


def test_refresh_counts_as_activity(srv, api):
    u = sign_up(api)
    s = sid(u["access"])
    srv.query("UPDATE sessions SET last_active_at = ? WHERE id = ?",
              int(time.time()) - 600, s)
    assert api.refresh(u["refresh"]).status_code == 200
    assert abs(row(srv, s)[0] - time.time()) < 5


def test_cookie_session_and_authorizer_count_as_activity(srv, api):
    u = sign_up(api)
    b = requests.Session()
    j = sign_in(api, u, cookie=True, session=b)
    s = next(x["id"] for x in listing(api, u["access"])["data"] if not x["current"])
    for path in ("/v1/auth/me", "/private/secret.txt"):
        srv.query("UPDATE sessions SET last_active_at = ? WHERE id = ?",
                  int(time.time()) - 120, s)
        r = b.get(srv.base_url + path, timeout=TIMEOUT, allow_redirects=False)
        assert r.status_code == 200, (path, r.text)
        assert abs(row(srv, s)[0] - time.time()) < 5, path
    assert j["csrf_token"]


# -- presence -------------------------------------------------------------------

def test_disconnect_marks_offline_until_the_next_request(srv, api):
    u = sign_up(api)
    s = sid(u["access"])
    r = api.post("/disconnect", token=u["access"])
    assert r.status_code == 204, r.text
    assert r.text == ""
    last, offline, revoked = row(srv, s)
    assert offline is not None and revoked is None
    other = sign_in(api, u)
    (mine,) = [x for x in listing(api, other["access_token"])["data"] if x["id"] == s]
    assert_recent(mine["offline_at"])
    assert api.me(u["access"]).status_code == 200
    assert row(srv, s)[1] is None


def test_disconnect_with_an_empty_object(api):
    u = sign_up(api)
    r = api.post("/disconnect", {}, token=u["access"])
    assert r.status_code == 204, r.text


def test_disconnect_bad_input(api, srv):
    u = sign_up(api)
    s = sid(u["access"])
    assert_problem(api.post("/disconnect", {"now": True}, token=u["access"]),
                   400, "validation_failed", [("now", "unknown")])
    assert_problem(api.post("/disconnect", raw=b"{", headers=JSON, token=u["access"]),
                   400, "malformed_json")
    assert_problem(api.post("/disconnect", raw=b"x", headers={"Content-Type": "text/plain"},
                            token=u["access"]), 415, "unsupported_media_type")
    r = requests.get(api.auth + "/disconnect", headers=bearer(u["access"]), timeout=TIMEOUT)
    assert_problem(r, 405, "method_not_allowed")
    assert "POST" in r.headers["Allow"]
    assert_problem(api.post("/disconnect"), 401, "unauthorized")
    assert_problem(api.post("/disconnect", token="x.y.z"), 401, "invalid_token")
    assert row(srv, s)[1] is None


# -- DELETE /{id} ----------------------------------------------------------------

def test_delete_ends_a_session_at_once_everywhere(srv, api):
    u = sign_up(api)
    other = sign_in(api, u, UA["safari-iphone"])
    oid = sid(other["access_token"])
    assert api.me(other["access_token"]).status_code == 200
    r = requests.delete(api.sessions + "/" + oid, headers=bearer(u["access"]),
                        timeout=TIMEOUT)
    assert r.status_code == 204, r.text
    # The access token, the refresh token and the list all know at once.
    assert_problem(api.me(other["access_token"]), 401, "session_revoked")
    assert_problem(api.refresh(other["refresh_token"]), 401, "session_revoked")
    assert [s["id"] for s in listing(api, u["access"])["data"]] == [sid(u["access"])]
    assert row(srv, oid, "revoke_reason")[0] == "user_revoked"
    logged = srv.query("SELECT action, user_id FROM action_logs WHERE session_id = ?"
                       " AND action = 'session_revoked'", oid)
    assert logged == [("session_revoked", u["id"])]


def test_delete_of_a_cookie_session_locks_the_authorizer(srv, api):
    u = sign_up(api)
    b = requests.Session()
    sign_in(api, u, cookie=True, session=b)
    for _ in range(6):  # warm the authorizer's cookie cache
        assert b.get(srv.base_url + "/private/secret.txt", timeout=TIMEOUT,
                     allow_redirects=False).status_code == 200
    cid = next(s["id"] for s in listing(api, u["access"])["data"] if not s["current"])
    r = requests.delete(api.sessions + "/" + cid, headers=bearer(u["access"]),
                        timeout=TIMEOUT)
    assert r.status_code == 204, r.text
    for _ in range(4):
        r = b.get(srv.base_url + "/private/secret.txt", timeout=TIMEOUT,
                  allow_redirects=False)
        assert_problem(r, 401, "session_revoked")
    r = b.get(srv.base_url + "/private/secret.txt", timeout=TIMEOUT,
              allow_redirects=False, headers={"Accept": "text/html"})
    assert r.status_code == 302 and "/ui/sign-in" in r.headers["Location"]


def test_delete_own_current_session(srv, api):
    u = sign_up(api)
    r = requests.delete(api.sessions + "/" + sid(u["access"]),
                        headers=bearer(u["access"]), timeout=TIMEOUT)
    assert r.status_code == 204
    assert_problem(api.me(u["access"]), 401, "session_revoked")


def test_delete_by_cookie_needs_the_csrf_token(srv, api):
    u = sign_up(api)
    b = requests.Session()
    j = sign_in(api, u, cookie=True, session=b)
    r = b.delete(api.sessions + "/" + sid(u["access"]), timeout=TIMEOUT)
    assert_problem(r, 403, "csrf_failed")
    assert row(srv, sid(u["access"]))[2] is None
    r = b.delete(api.sessions + "/" + sid(u["access"]), timeout=TIMEOUT,
                 headers={"X-CSRF-Token": j["csrf_token"]})
    assert r.status_code == 204, r.text


@pytest.mark.parametrize("which", ["another-users", "unknown", "malformed", "revoked"])
def test_delete_what_is_not_yours_is_404_and_changes_nothing(srv, api, which):
    u, stranger = sign_up(api), sign_up(api)
    gone = sign_in(api, u)
    assert api.sign_out(gone["access_token"]).status_code == 204
    target = {"another-users": sid(stranger["access"]),
              "unknown": str(uuid.uuid4()), "malformed": "not-a-session",
              "revoked": sid(gone["access_token"])}[which]
    before = srv.db_snapshot()
    r = requests.delete(api.sessions + "/" + target, headers=bearer(u["access"]),
                        timeout=TIMEOUT)
    assert_problem(r, 404, "not_found")
    assert srv.db_snapshot() == before
    assert api.me(stranger["access"]).status_code == 200


def test_delete_needs_a_session(api, srv):
    u = sign_up(api)
    r = requests.delete(api.sessions + "/" + sid(u["access"]), timeout=TIMEOUT)
    assert_problem(r, 401, "unauthorized")
    assert row(srv, sid(u["access"]))[2] is None


# -- POST /revoke ------------------------------------------------------------------

def revoke(api, token, body=None, raw=None, headers=None):
    h = dict(headers or {})
    if token:
        h.update(bearer(token))
    if raw is not None:
        return requests.post(api.sessions + "/revoke", data=raw, headers=h,
                             timeout=TIMEOUT)
    return requests.post(api.sessions + "/revoke", json=body, headers=h,
                         timeout=TIMEOUT)


def test_revoke_a_list(srv, api):
    u = sign_up(api)
    a, b, c = (sign_in(api, u) for _ in range(3))
    ids = [sid(a["access_token"]), sid(b["access_token"])]
    r = revoke(api, u["access"], {"ids": ids + ids[:1]})  # a repeat counts once
    assert r.status_code == 200, r.text
    assert r.json() == {"revoked": 2}
    for t in (a, b):
        assert_problem(api.me(t["access_token"]), 401, "session_revoked")
    assert api.me(c["access_token"]).status_code == 200
    left = {s["id"] for s in listing(api, u["access"])["data"]}
    assert left == {sid(u["access"]), sid(c["access_token"])}
    n = srv.query("SELECT count(*) FROM action_logs WHERE user_id = ? AND "
                  "action = 'session_revoked'", u["id"])[0][0]
    assert n == 2


@pytest.mark.parametrize("which", ["another-users", "unknown"])
def test_revoke_all_or_nothing(srv, api, which):
    u, stranger = sign_up(api), sign_up(api)
    mine = sign_in(api, u)
    bad = sid(stranger["access"]) if which == "another-users" else str(uuid.uuid4())
    before = srv.db_snapshot()
    r = revoke(api, u["access"], {"ids": [sid(mine["access_token"]), bad]})
    assert_problem(r, 404, "not_found")
    assert srv.db_snapshot() == before
    assert api.me(mine["access_token"]).status_code == 200
    assert api.me(stranger["access"]).status_code == 200


BAD_REVOKE = {
    "not-an-array": ({"ids": "0190e2b5-0000-7000-8000-000000000000"}, "ids", "type"),
    "object": ({"ids": {"a": 1}}, "ids", "type"),
    "number": ({"ids": 3}, "ids", "type"),
    "null": ({"ids": None}, "ids", "type"),
    "empty": ({"ids": []}, "ids", "length"),
    "too-many": ({"ids": [str(uuid.uuid4()) for _ in range(101)]}, "ids", "length"),
    "non-string": ({"ids": [str(uuid.uuid4()), 7]}, "ids[1]", "type"),
    "nested": ({"ids": [["x"]]}, "ids[0]", "type"),
    "not-an-id": ({"ids": ["../etc/passwd"]}, "ids[0]", "format"),
    "missing": ({}, "ids", "required"),
    "extra-field": ({"ids": [str(uuid.uuid4())], "all": True}, "all", "unknown"),
}


@pytest.mark.parametrize("case", sorted(BAD_REVOKE))
def test_revoke_bad_input_is_400(srv, api, case):
    u = sign_up(api)
    body, path, type_ = BAD_REVOKE[case]
    before = srv.db_snapshot()
    r = revoke(api, u["access"], body)
    assert_problem(r, 400, "validation_failed", [(path, type_)])
    assert srv.db_snapshot() == before


def test_revoke_bad_body_and_method(srv, api):
    u = sign_up(api)
    before = srv.db_snapshot()
    assert_problem(revoke(api, u["access"], raw=b'{"ids": [', headers=JSON),
                   400, "malformed_json")
    assert_problem(revoke(api, u["access"], raw=b'["x"]', headers=JSON),
                   400, "malformed_json")
    assert_problem(revoke(api, u["access"], raw=json.dumps({"ids": ["x"]}).encode(),
                          headers={"Content-Type": "text/plain"}),
                   415, "unsupported_media_type")
    assert_problem(revoke(api, u["access"], raw=b"", headers=JSON), 400, "malformed_json")
    r = requests.get(api.sessions + "/revoke", headers=bearer(u["access"]),
                     timeout=TIMEOUT)
    assert_problem(r, 405, "method_not_allowed")
    assert "POST" in r.headers["Allow"]
    r = requests.put(api.sessions, headers=bearer(u["access"]), timeout=TIMEOUT)
    assert_problem(r, 405, "method_not_allowed")
    assert_problem(revoke(api, None, {"ids": [sid(u["access"])]}), 401, "unauthorized")
    assert_problem(revoke(api, u["access"] + "x", {"ids": [sid(u["access"])]}),
                   401, "invalid_token")
    assert srv.db_snapshot() == before


# -- POST /revoke-others --------------------------------------------------------------

def test_revoke_others(srv, api):
    u = sign_up(api)
    others = [sign_in(api, u, UA[n]) for n in ("okhttp", "edge")]
    r = requests.post(api.sessions + "/revoke-others", headers=bearer(u["access"]),
                      timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    assert r.json() == {"revoked": 2}
    for t in others:
        assert_problem(api.me(t["access_token"]), 401, "session_revoked")
        assert_problem(api.refresh(t["refresh_token"]), 401, "session_revoked")
    assert api.me(u["access"]).status_code == 200
    assert [s["id"] for s in listing(api, u["access"])["data"]] == [sid(u["access"])]
    assert srv.query("SELECT count(*) FROM action_logs WHERE user_id = ? AND "
                     "action = 'sessions_revoked_others'", u["id"])[0][0] == 1
    r = requests.post(api.sessions + "/revoke-others", json={},
                      headers=bearer(u["access"]), timeout=TIMEOUT)
    assert r.json() == {"revoked": 0}


def test_revoke_others_bad_input(srv, api):
    u = sign_up(api)
    sign_in(api, u)
    before = srv.db_snapshot()
    r = requests.post(api.sessions + "/revoke-others", json={"keep": "x"},
                      headers=bearer(u["access"]), timeout=TIMEOUT)
    assert_problem(r, 400, "validation_failed", [("keep", "unknown")])
    r = requests.get(api.sessions + "/revoke-others", headers=bearer(u["access"]),
                     timeout=TIMEOUT)
    assert_problem(r, 405, "method_not_allowed")
    r = requests.post(api.sessions + "/revoke-others", timeout=TIMEOUT)
    assert_problem(r, 401, "unauthorized")
    assert srv.db_snapshot() == before


# -- POST /v1/auth/change-password ----------------------------------------------------

def change(api, token, body):
    return api.post("/change-password", body, token=token)


def test_change_password_keeps_this_session_and_ends_the_others(srv, api):
    u = sign_up(api)
    others = [sign_in(api, u) for _ in range(2)]
    new = unique_password()
    r = change(api, u["access"], {"current_password": u["password"], "new_password": new})
    assert r.status_code == 204, r.text
    assert api.me(u["access"]).status_code == 200
    for t in others:
        assert_problem(api.me(t["access_token"]), 401, "session_revoked")
        assert_problem(api.refresh(t["refresh_token"]), 401, "session_revoked")
    assert row(srv, sid(others[0]["access_token"]), "revoke_reason")[0] == \
        "password_changed"
    assert api.refresh(u["refresh"]).status_code == 200
    assert_problem(api.sign_in({"email": u["email"], "password": u["password"]}),
                   401, "invalid_credentials")
    assert api.sign_in({"email": u["email"], "password": new}).status_code == 200
    assert srv.query("SELECT count(*) FROM action_logs WHERE user_id = ? AND "
                     "action = 'password_changed'", u["id"])[0][0] == 1


def test_change_password_wrong_current_is_401_and_changes_nothing(srv, api):
    u = sign_up(api)
    other = sign_in(api, u)
    before = srv.db_snapshot()
    r = change(api, u["access"], {"current_password": "not the password",
                                  "new_password": unique_password()})
    assert_problem(r, 401, "invalid_credentials")
    assert srv.db_snapshot() == before
    assert api.me(other["access_token"]).status_code == 200
    assert srv.query("SELECT count(*) FROM action_logs WHERE user_id = ? AND "
                     "action = 'password_change_refused'", u["id"])[0][0] == 1


@pytest.mark.parametrize("case", ["short", "contains-email", "missing-new", "missing-current",
                                  "not-a-string", "extra"])
def test_change_password_bad_new_password_is_400(srv, api, case):
    u = sign_up(api)
    body = {"current_password": u["password"], "new_password": unique_password()}
    want = ("new_password", "length")
    if case == "short":
        body["new_password"] = "short"
    elif case == "contains-email":
        body["new_password"] = "x" + u["email"]
        want = ("new_password", "contains_identifier")
    elif case == "missing-new":
        del body["new_password"]
        want = ("new_password", "required")
    elif case == "missing-current":
        del body["current_password"]
        want = ("current_password", "required")
    elif case == "not-a-string":
        body["new_password"] = 12345678
        want = ("new_password", "type")
    else:
        body["logout"] = True
        want = ("logout", "unknown")
    before = srv.db_snapshot()
    r = change(api, u["access"], body)
    assert_problem(r, 400, "validation_failed", [want])
    assert u["password"] not in r.text
    assert srv.db_snapshot() == before


def test_change_password_needs_a_session_and_json(srv, api):
    u = sign_up(api)
    body = {"current_password": u["password"], "new_password": unique_password()}
    before = srv.db_snapshot()
    assert_problem(change(api, None, body), 401, "unauthorized")
    assert_problem(change(api, "a.b.c", body), 401, "invalid_token")
    assert_problem(api.post("/change-password", raw=b"{", headers=JSON,
                            token=u["access"]), 400, "malformed_json")
    assert_problem(api.post("/change-password", raw=json.dumps(body).encode(),
                            headers={"Content-Type": "text/plain"},
                            token=u["access"]), 415, "unsupported_media_type")
    r = requests.get(api.auth + "/change-password", headers=bearer(u["access"]),
                     timeout=TIMEOUT)
    assert_problem(r, 405, "method_not_allowed")
    assert srv.db_snapshot() == before
