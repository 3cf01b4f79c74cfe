"""Sign-in backoff per identifier and known devices (docs/abuse.md).

A server of its own locks an email or username after 3 failed sign-ins in
a row, for 2 s, doubling to at most 4 s; a known device of the account
signs in through the lock.
"""

import sqlite3
import time

import pytest
import requests

import ghlib
from ghlib import (TIMEOUT, assert_problem, set_cookie, unique_email,
                   unique_password)

SETTINGS = {
    "sign_in_backoff_after": 3,
    "sign_in_backoff_base": 2,
    "sign_in_backoff_max": 4,
}


@pytest.fixture(scope="module")
def srv(root):
    with ghlib.running_server(root, settings=SETTINGS) as s:
        yield s


def url(srv, path):
    return srv.base_url + "/v1/auth" + path


def sign_up(srv, session=None):
    email, pw = unique_email("bo"), unique_password()
    r = (session or requests).post(url(srv, "/sign-up"), timeout=TIMEOUT,
                                   json={"email": email, "password": pw})
    assert r.status_code == 201, r.text
    return email, pw, r


def sign_in(srv, email, pw, session=None):
    return (session or requests).post(url(srv, "/sign-in"), timeout=TIMEOUT,
                                      json={"email": email, "password": pw})


def actions(srv, user_id):
    con = sqlite3.connect(srv.db_path)
    try:
        return [a for (a,) in con.execute(
            "SELECT action FROM action_logs WHERE user_id = ? ORDER BY id",
            (user_id,))]
    finally:
        con.close()


def failures_rows(srv):
    con = sqlite3.connect(srv.db_path)
    try:
        return con.execute("SELECT count(*) FROM sign_in_failures").fetchone()[0]
    finally:
        con.close()


def lock(srv, email):
    """Three wrong passwords: answered as wrong passwords; the third starts
    the lock. Returns the answers."""
    rs = [sign_in(srv, email, unique_password()) for _ in range(3)]
    for r in rs:
        assert_problem(r, 401, "invalid_credentials")
    return rs


def assert_locked(r, most):
    assert_problem(r, 429, "rate_limited")
    ra = int(r.headers["Retry-After"])
    assert 1 <= ra <= most, ra
    return ra


def test_lock_refuses_even_the_right_password_then_lifts(srv):
    email, pw, r = sign_up(srv)
    user_id = r.json()["profile"]["id"]
    lock(srv, email)
    ra = assert_locked(sign_in(srv, email, pw), 2)
    assert "sign_in_locked" in actions(srv, user_id)
    assert actions(srv, user_id).count("sign_in_failed") == 3
    time.sleep(ra + 0.2)
    r = sign_in(srv, email, pw)
    assert r.status_code == 200, r.text


def test_success_forgets_the_failures(srv):
    email, pw, _ = sign_up(srv)
    for _ in range(2):
        assert_problem(sign_in(srv, email, "wrong-" + pw), 401,
                       "invalid_credentials")
    assert sign_in(srv, email, pw).status_code == 200
    # Two more failures do not lock: the count started again.
    for _ in range(2):
        assert_problem(sign_in(srv, email, "wrong-" + pw), 401,
                       "invalid_credentials")
    assert sign_in(srv, email, pw).status_code == 200


def test_lock_doubles_up_to_the_maximum(srv):
    email, pw, _ = sign_up(srv)
    lock(srv, email)
    ra = assert_locked(sign_in(srv, email, pw), 2)
    time.sleep(ra + 0.2)
    # One more failure after the lock: 4 s (2 doubled), the maximum.
    assert_problem(sign_in(srv, email, unique_password()), 401,
                   "invalid_credentials")
    ra = assert_locked(sign_in(srv, email, pw), 4)
    assert ra >= 3, ra


def test_unknown_email_is_locked_the_same_way(srv):
    """Known and unknown emails answer the same sequence, byte for byte
    in the bodies: a lock tells nothing about whether the account exists."""
    known, _, _ = sign_up(srv)
    unknown = unique_email("bo-nobody")
    seqs = []
    for email in (known, unknown):
        rs = lock(srv, email) + [sign_in(srv, email, unique_password())]
        seqs.append([(r.status_code, r.text, r.headers.get("Retry-After"))
                     for r in rs])
    assert [s[:2] for s in seqs[0]] == [s[:2] for s in seqs[1]], seqs
    assert seqs[1][-1][0] == 429


def test_username_is_an_identifier_of_its_own(srv):
    email, pw, r = sign_up(srv)
    username = r.json()["profile"]["username"]
    for _ in range(3):
        r = requests.post(url(srv, "/sign-in"), timeout=TIMEOUT,
                          json={"username": username, "password": "x" * 9})
        assert_problem(r, 401, "invalid_credentials")
    r = requests.post(url(srv, "/sign-in"), timeout=TIMEOUT,
                      json={"username": username.upper(), "password": pw})
    assert_locked(r, 2)
    # The email is another identifier, counted apart.
    assert sign_in(srv, email, pw).status_code == 200


def test_known_device_signs_in_through_the_lock(srv):
    owner = requests.Session()
    email, pw, r = sign_up(srv, owner)
    dev = set_cookie(r, "gh_device")
    assert dev.startswith("__Host-gh_device="), dev
    for attr in ("HttpOnly", "Secure", "SameSite=Lax", "Path=/",
                 "Max-Age=31536000"):
        assert attr in dev, dev
    # cookie_secure is on: a client on plain http must send it itself.
    name, value = dev.split(";", 1)[0].split("=", 1)
    lock(srv, email)
    assert_locked(sign_in(srv, email, pw), 2)
    r = requests.post(url(srv, "/sign-in"), timeout=TIMEOUT,
                      json={"email": email, "password": pw},
                      headers={"Cookie": "%s=%s" % (name, value)})
    assert r.status_code == 200, r.text
    # It was known already: no new device cookie.
    assert set_cookie(r, "gh_device") == ""
    # The lock still holds for everybody else.
    assert_locked(sign_in(srv, email, pw), 2)


def test_device_of_another_account_does_not_open_the_lock(srv):
    _, _, r = sign_up(srv)
    other = set_cookie(r, "gh_device").split(";", 1)[0]
    email, pw, _ = sign_up(srv)
    lock(srv, email)
    r = requests.post(url(srv, "/sign-in"), timeout=TIMEOUT,
                      json={"email": email, "password": pw},
                      headers={"Cookie": other})
    assert_locked(r, 2)


def test_forged_device_cookie_does_not_open_the_lock(srv):
    email, pw, _ = sign_up(srv)
    lock(srv, email)
    for v in ("A" * 43, "short", "A" * 5000):
        r = requests.post(url(srv, "/sign-in"), timeout=TIMEOUT,
                          json={"email": email, "password": pw},
                          headers={"Cookie": "__Host-gh_device=" + v})
        assert_locked(r, 2)


def test_sign_in_gives_a_new_device_a_cookie(srv):
    email, pw, _ = sign_up(srv)
    r = sign_in(srv, email, pw)
    assert r.status_code == 200
    assert set_cookie(r, "gh_device").startswith("__Host-gh_device=")


def test_failure_table_names_nobody(srv):
    email, _, _ = sign_up(srv)
    sign_in(srv, email, unique_password())
    con = sqlite3.connect(srv.db_path)
    try:
        keys = [k for (k,) in con.execute("SELECT key FROM sign_in_failures")]
    finally:
        con.close()
    assert keys and all(isinstance(k, bytes) and len(k) == 32 for k in keys)
    assert not any(email.encode() in k for k in keys)
    assert failures_rows(srv) >= 1


def test_hosted_page_says_the_lock_in_words(srv):
    email, pw, _ = sign_up(srv)
    lock(srv, email)
    r = requests.post(srv.base_url + "/ui/sign-in", timeout=TIMEOUT,
                      data={"email": email, "password": pw},
                      headers={"Origin": srv.base_url},
                      allow_redirects=False)
    assert r.status_code == 429, r.text[:300]
    assert r.headers["Content-Type"].startswith("text/html")
    assert int(r.headers["Retry-After"]) >= 1
    assert "Too many failed sign-ins with this email" in r.text
