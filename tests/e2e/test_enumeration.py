"""Enumeration safety (docs/abuse.md): sign-in with an unknown email and
with a known email and a wrong password must not be told apart by status,
body or time.

The time is measured over many interleaved samples, at the production
argon2id cost (where a leak, such as skipping the hash for unknown
accounts, would show as the whole hash time, tens of milliseconds) and at
the tests' tiny cost (where only the database work differs). The figures
are printed (pytest -s, and var/test/e2e.log in ./dev test) and recorded
in docs/abuse.md.
"""

import random
import statistics
import time

import pytest
import requests

import ghlib
from ghlib import TIMEOUT, unique_email, unique_password

SAMPLES = 80    # per side and cost; interleaved in random order


def measure(srv, known, unknown, samples):
    """(known_times, unknown_times, answers) of wrong-password sign-ins;
    answers maps side -> set of (status, body) seen."""
    url = srv.base_url + "/v1/auth/sign-in"
    s = requests.Session()      # keep-alive: time the server, not connect
    sides = ["known", "unknown"] * samples
    random.shuffle(sides)
    times = {"known": [], "unknown": []}
    answers = {"known": set(), "unknown": set()}
    for side in sides:
        body = {"email": known if side == "known" else unknown(),
                "password": unique_password()}
        t = time.perf_counter()
        r = s.post(url, json=body, timeout=TIMEOUT)
        times[side].append(time.perf_counter() - t)
        answers[side].add((r.status_code, r.text))
    return times["known"], times["unknown"], answers


def summary(name, k, u):
    def q(xs):
        qs = statistics.quantiles(xs, n=4)
        return "median %.2f ms, IQR %.2f ms" % (statistics.median(xs) * 1e3,
                                                (qs[2] - qs[0]) * 1e3)
    d = (statistics.median(k) - statistics.median(u)) * 1e3
    print("\nenumeration %s: known %s; unknown %s; difference of medians "
          "%+.2f ms (n=%d each)" % (name, q(k), q(u), d, len(k)))
    return d


@pytest.fixture(scope="module", params=["production-cost", "test-cost"])
def timed(request, root):
    settings = {}
    if request.param == "production-cost":
        settings = {"argon2_opslimit": 2, "argon2_memlimit_kib": 19456}
    with ghlib.running_server(root, settings=settings) as srv:
        email = unique_email("enum")
        r = requests.post(srv.base_url + "/v1/auth/sign-up", timeout=TIMEOUT,
                          json={"email": email, "password": unique_password()})
        assert r.status_code == 201, r.text
        yield request.param, srv, email


def test_known_and_unknown_emails_look_the_same(timed):
    name, srv, email = timed
    # A fresh unknown email each time, as an attacker would try many.
    k, u, answers = measure(srv, email, lambda: unique_email("nobody"),
                            SAMPLES)
    assert answers["known"] == answers["unknown"], answers
    assert len(answers["known"]) == 1
    d = summary(name, k, u)
    # A leak would be the whole argon2id time (about 20-60 ms at the
    # production cost here); what is left is noise and a row read.
    bound = 5.0 if name == "production-cost" else 1.0
    assert abs(d) < bound, "difference of medians %.2f ms" % d


def test_username_sign_in_looks_the_same(root, server):
    r = requests.post(server.base_url + "/v1/auth/sign-up", timeout=TIMEOUT,
                      json={"email": unique_email("enum-u"),
                            "password": unique_password()})
    name = r.json()["profile"]["username"]
    url = server.base_url + "/v1/auth/sign-in"
    seen = set()
    for username in (name, "nobody_" + unique_password()[3:15]):
        r = requests.post(url, timeout=TIMEOUT, json={
            "username": username, "password": unique_password()})
        seen.add((r.status_code, r.text))
    assert len(seen) == 1, seen
