"""Acknowledged writes survive crashes.

Sign-ups and profile changes run concurrently while the auth.fcgi
processes are SIGKILLed several times and lighttpd itself is SIGKILLed and
started again. Requests caught by a kill may fail (5xx, connection errors);
every one that was acknowledged (201 / 200) must be in the database
afterwards, and the database must pass PRAGMA integrity_check.

This test runs its own lighttpd so the crashes do not disturb the others.
"""

import collections
import concurrent.futures
import sqlite3
import threading
import time

import pytest
import requests

from ghlib import Api, running_server, unique_email, unique_password

SIGNUPS = 40
PATCHERS = 8
SPACING = 0.06          # seconds between task starts
AUTH_KILLS_AT = (0.35, 0.9, 1.5, 2.5)
LIGHTTPD_KILL_AT = 2.0


@pytest.fixture
def crash_server(root):
    with running_server(root) as srv:
        yield srv


def _post(url, body, token=None, method="POST"):
    h = {"Authorization": "Bearer " + token} if token else {}
    return requests.request(method, url, json=body, headers=h, timeout=10)


def test_acknowledged_writes_survive_crashes(crash_server):
    srv = crash_server
    api = Api(srv.base_url, "fcgi")

    # Users whose profile is changed during the chaos.
    patch_users = []
    for _ in range(PATCHERS):
        b = {"email": unique_email("durable-patch"), "password": unique_password()}
        r = api.sign_up(b)
        assert r.status_code == 201, r.text
        patch_users.append((b, r.json()["tokens"]["access_token"]))

    lock = threading.Lock()
    acked_signups = []          # bodies answered 201
    acked_patches = []          # (sign-up body, display_name) answered 200
    failures = []               # (kind, what) of requests that did not succeed
    kills = {"auth": [], "lighttpd": 0}

    tasks = [("signup", i) for i in range(SIGNUPS)]
    # spread the profile changes through the run
    for j in range(PATCHERS):
        tasks.insert(3 + j * (SIGNUPS // PATCHERS), ("patch", j))

    t0 = time.monotonic()

    def run(index, task):
        delay = t0 + index * SPACING - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        kind, n = task
        try:
            if kind == "signup":
                b = {"email": unique_email("durable"), "password": unique_password()}
                r = _post(api.auth + "/sign-up", b)
                if r.status_code == 201:
                    with lock:
                        acked_signups.append(b)
                else:
                    with lock:
                        failures.append((kind, r.status_code,
                                         r.headers.get("Content-Type", "").split(";")[0]))
            else:
                b, token = patch_users[n]
                name = "Durable %d" % n
                r = _post(api.auth + "/me", {"display_name": name}, token, method="PATCH")
                if r.status_code == 200:
                    with lock:
                        acked_patches.append((b, name))
                else:
                    with lock:
                        failures.append((kind, r.status_code,
                                         r.headers.get("Content-Type", "").split(";")[0]))
        except requests.RequestException as e:
            with lock:
                failures.append((kind, type(e).__name__))

    def chaos():
        events = sorted([(t, "auth") for t in AUTH_KILLS_AT] + [(LIGHTTPD_KILL_AT, "lighttpd")])
        for at, what in events:
            delay = t0 + at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            if what == "auth":
                # lighttpd may not have started the next auth.fcgi yet
                # (after a kill it waits before spawning again): wait a
                # little for one, so each kill point really kills.
                killed, until = [], time.monotonic() + 0.6
                while not killed and time.monotonic() < until:
                    killed = srv.kill_backends("auth.fcgi")
                    if not killed:
                        time.sleep(0.05)
                kills["auth"].append(killed)
            else:
                srv.restart_after_crash()
                kills["lighttpd"] += 1

    chaos_thread = threading.Thread(target=chaos)
    chaos_thread.start()
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda it: run(*it), enumerate(tasks)))
    chaos_thread.join(60)
    assert not chaos_thread.is_alive()

    summary = "acked sign-ups %d/%d, acked patches %d/%d, failures %r, auth kills %r" % (
        len(acked_signups), SIGNUPS, len(acked_patches), PATCHERS,
        sorted(collections.Counter(failures).items(), key=repr),
        [len(k) for k in kills["auth"]])
    print(summary)

    # The chaos really happened, and enough was acknowledged to mean something.
    assert kills["lighttpd"] == 1
    assert sum(1 for k in kills["auth"] if k) >= 3, summary
    assert len(acked_signups) >= SIGNUPS // 4, summary

    # Let the server settle (backends respawned), then check every ack.
    srv.wait_ready()
    lost = []
    for b in acked_signups:
        r = api.sign_in({"email": b["email"], "password": b["password"]})
        if r.status_code != 200:
            lost.append((b["email"], r.status_code, r.text[:200]))
    assert not lost, "acknowledged sign-ups lost: %r (%s)" % (lost, summary)

    for b, name in acked_patches:
        r = api.sign_in({"email": b["email"], "password": b["password"]})
        assert r.status_code == 200, r.text
        got = r.json()["profile"]["display_name"]
        assert got == name, "acknowledged PATCH lost for %s: %r != %r" % (b["email"], got, name)

    srv.stop()
    con = sqlite3.connect(srv.db_path)
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        n = con.execute("SELECT count(*) FROM users").fetchone()[0]
        assert n >= len(acked_signups) + PATCHERS
    finally:
        con.close()
