"""Rate limits (docs/abuse.md): per client address, shared by every
auth.fcgi process through the database, 429 + Retry-After when exceeded.

A server of this module's own (its own database) has low limits and
trusts 127.0.0.1 as a proxy, so each test speaks for client addresses of
its own through X-Forwarded-For and no test eats another's allowance.
"""

import concurrent.futures
import itertools
import sqlite3
import time

import pytest
import requests

import ghlib
from ghlib import TIMEOUT, assert_problem, unique_email, unique_password

LIMITS = {
    "rate_limit_sign_in": "5/3600",
    "rate_limit_sign_up": "4/3600",
    "rate_limit_refresh": "2/4",
    "trusted_proxies": "127.0.0.1 ::1",
}

_addr = itertools.count(1)


def fresh_ip():
    """A client address no other test has used (TEST-NET-2 and -3)."""
    n = next(_addr)
    return "198.51.%d.%d" % (n // 250, n % 250 + 1)


@pytest.fixture(scope="module")
def limited(root):
    # Four auth.fcgi processes: the limit must hold across all of them.
    with ghlib.running_server(root, settings=LIMITS, auth_procs=4) as s:
        yield s


@pytest.fixture(scope="module")
def untrusting(root):
    """The same limits, but no trusted proxy: X-Forwarded-For is the
    client's own claim and must change nothing."""
    settings = dict(LIMITS)
    del settings["trusted_proxies"]
    with ghlib.running_server(root, settings=settings) as s:
        yield s


def post(srv, route, body=None, ip=None, raw=None, headers=None):
    h = dict(headers or {})
    if ip is not None:
        h["X-Forwarded-For"] = ip
    url = srv.base_url + "/v1/auth" + route
    if raw is not None:
        return requests.post(url, data=raw, headers=h, timeout=TIMEOUT)
    return requests.post(url, json=body, headers=h, timeout=TIMEOUT)


def wrong_sign_in(srv, ip):
    return post(srv, "/sign-in", {"email": unique_email("rl"),
                                  "password": unique_password()}, ip)


def assert_limited(r, most=None):
    assert_problem(r, 429, "rate_limited")
    ra = r.headers.get("Retry-After")
    assert ra is not None and ra.isdigit(), r.headers
    assert int(ra) >= 1
    if most is not None:
        assert int(ra) <= most, ra
    assert r.headers.get("Cache-Control") == "no-store"
    return int(ra)


def test_sign_in_limit_per_address(limited):
    ip = fresh_ip()
    for _ in range(5):
        assert_problem(wrong_sign_in(limited, ip), 401, "invalid_credentials")
    # A burst of 5 per hour: the next one waits about 3600 / 5 s.
    ra = assert_limited(wrong_sign_in(limited, ip), 3600)
    assert 600 < ra <= 720, ra
    # Another client is not affected.
    assert_problem(wrong_sign_in(limited, fresh_ip()), 401,
                   "invalid_credentials")


def test_limited_sign_in_with_right_password_is_refused_too(limited):
    ip = fresh_ip()
    email, pw = unique_email("rl-ok"), unique_password()
    r = post(limited, "/sign-up", {"email": email, "password": pw}, ip)
    assert r.status_code == 201, r.text
    for _ in range(5):
        wrong_sign_in(limited, ip)
    assert_limited(post(limited, "/sign-in", {"email": email, "password": pw},
                        ip))
    # From elsewhere the account signs in as usual.
    r = post(limited, "/sign-in", {"email": email, "password": pw}, fresh_ip())
    assert r.status_code == 200, r.text


def test_bad_input_counts_and_changes_nothing_else(limited):
    ip = fresh_ip()
    before = limited.db_snapshot()
    for raw in (b"{", b"[]", b'{"email": 5}', b"x" * 70000):
        r = post(limited, "/sign-in", raw=raw, ip=ip,
                 headers={"Content-Type": "application/json"})
        assert r.status_code in (400, 413), r.text
    r = post(limited, "/sign-in", raw=b"a=b", ip=ip,
             headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert_problem(r, 415, "unsupported_media_type")
    assert_limited(post(limited, "/sign-in", raw=b"{", ip=ip,
                        headers={"Content-Type": "application/json"}))
    assert limited.db_snapshot() == before


def test_sign_up_limit(limited):
    ip = fresh_ip()
    for _ in range(4):
        r = post(limited, "/sign-up", {"email": unique_email("rl-up"),
                                       "password": unique_password()}, ip)
        assert r.status_code == 201, r.text
    before = limited.db_snapshot()
    assert_limited(post(limited, "/sign-up", {"email": unique_email("rl-up"),
                                              "password": unique_password()},
                        ip))
    assert limited.db_snapshot() == before


def test_refresh_limit_and_retry_after(limited):
    ip = fresh_ip()
    r = post(limited, "/sign-up", {"email": unique_email("rl-rf"),
                                   "password": unique_password()}, fresh_ip())
    assert r.status_code == 201, r.text
    tok = r.json()["tokens"]["refresh_token"]
    for _ in range(2):
        r = post(limited, "/refresh", {"refresh_token": tok}, ip)
        assert r.status_code == 200, r.text
        tok = r.json()["refresh_token"]
    ra = assert_limited(post(limited, "/refresh", {"refresh_token": tok}, ip),
                        4)
    # The refused request did not use the token: after Retry-After it works.
    time.sleep(ra + 0.2)
    r = post(limited, "/refresh", {"refresh_token": tok}, ip)
    assert r.status_code == 200, r.text


def test_wrong_method_and_unknown_route_are_not_counted(limited):
    ip = fresh_ip()
    for _ in range(8):
        r = requests.get(limited.base_url + "/v1/auth/sign-in",
                         headers={"X-Forwarded-For": ip}, timeout=TIMEOUT)
        assert_problem(r, 405, "method_not_allowed")
    assert_problem(wrong_sign_in(limited, ip), 401, "invalid_credentials")


def test_limit_is_exact_across_processes(limited):
    """40 requests at once from one address over four processes: exactly
    the 5 of the burst pass (each check is one atomic statement)."""
    ip = fresh_ip()
    with concurrent.futures.ThreadPoolExecutor(max_workers=10) as pool:
        rs = list(pool.map(lambda _: wrong_sign_in(limited, ip), range(40)))
    codes = sorted(r.status_code for r in rs)
    assert codes.count(401) == 5, codes
    assert codes.count(429) == 35, codes
    # The request id starts with its process's random prefix.
    procs = {r.headers["X-Request-Id"][:12] for r in rs}
    assert len(procs) >= 2, procs


def test_forwarded_for_ignored_without_trusted_proxy(untrusting):
    ips = [fresh_ip() for _ in range(6)]
    for ip in ips[:5]:
        assert_problem(wrong_sign_in(untrusting, ip), 401,
                       "invalid_credentials")
    # All six came from 127.0.0.1, whatever they claimed.
    assert_limited(wrong_sign_in(untrusting, ips[5]))


def test_forwarded_for_rightmost_untrusted_hop_is_the_client(limited):
    """A client may prepend anything; the proxy appends what it saw. Only
    the hop the trusted proxy added counts."""
    real = fresh_ip()
    for _ in range(5):
        r = wrong_sign_in(limited, "%s, %s" % (fresh_ip(), real))
        assert_problem(r, 401, "invalid_credentials")
    assert_limited(wrong_sign_in(limited, "203.0.113.9, " + real))
    assert_limited(wrong_sign_in(limited, real))


def test_ipv6_clients_share_their_64(limited):
    base = "2001:db8:%x:1::" % next(_addr)
    for i in range(5):
        assert_problem(wrong_sign_in(limited, base + "%x" % (i + 1)), 401,
                       "invalid_credentials")
    assert_limited(wrong_sign_in(limited, base + "ffff"))


def test_garbage_forwarded_for_falls_back_to_the_proxy(limited):
    # Not an address: the client is the trusted proxy itself, and the
    # request is answered normally.
    r = wrong_sign_in(limited, "not-an-ip, <script>")
    assert r.status_code in (401, 429), r.text


def test_limits_live_in_the_database(limited):
    ip = fresh_ip()
    wrong_sign_in(limited, ip)
    con = sqlite3.connect(limited.db_path)
    try:
        rows = con.execute("SELECT key FROM rate_limits WHERE key = ?",
                           ("sign_in|ip|" + ip,)).fetchall()
    finally:
        con.close()
    assert rows == [("sign_in|ip|" + ip,)]


def test_hosted_sign_in_page_answers_the_limit_with_a_page(limited):
    ip = fresh_ip()
    form = {"email": unique_email("rl-ui"), "password": unique_password()}
    h = {"X-Forwarded-For": ip, "Origin": limited.base_url}
    for _ in range(5):
        r = requests.post(limited.base_url + "/ui/sign-in", data=form,
                          headers=h, timeout=TIMEOUT, allow_redirects=False)
        assert r.status_code == 401, r.text[:300]
    r = requests.post(limited.base_url + "/ui/sign-in", data=form, headers=h,
                      timeout=TIMEOUT, allow_redirects=False)
    assert r.status_code == 429, r.text[:300]
    assert r.headers["Content-Type"].startswith("text/html")
    assert int(r.headers["Retry-After"]) > 60
    assert "Too many attempts from your network. Try again in" in r.text
    assert 'role="alert"' in r.text
