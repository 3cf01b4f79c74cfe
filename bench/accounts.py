#!/usr/bin/python3
"""What the accounts and invites routes cost on this machine (docs/accounts.md,
docs/invites.md).

Starts Gatehouse under lighttpd (tests/e2e/ghlib.py) on 127.0.0.1, signs up
an owner with a few accounts and members, then times one client's requests
on one kept-alive connection:

- GET /v1/accounts, GET /v1/accounts/{id}/members (reads);
- GET /v1/invites/{code} (the preview, no sign-in);
- POST /v1/invites then POST /v1/invites/{code}/accept (two writes: the
  invite, then the use with its membership), timed apart;
- POST /v1/accounts/{id}/switch (session update, fresh tokens);
- GET /v1/auth/dashboard, with GET /v1/auth/me as the yardstick;
- GET /hello is not mounted here: bench/run has the floors.

The invite writes run min(N, 150) times: a user may have 200 open invites.

Usage: /usr/bin/python3 bench/accounts.py [N]    (N requests each, default
300). Reports medians and the 90th percentile; asserts nothing.
"""

import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))

import requests  # noqa: E402

import ghlib  # noqa: E402


def line(name, xs):
    xs = sorted(xs)
    print("%-44s median %6.2f ms   p90 %6.2f ms" % (
        name, statistics.median(xs) * 1000, xs[int(len(xs) * 0.9)] * 1000))


def timed(fn, n):
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def sign_up(s, base):
    r = s.post(base + "/v1/auth/sign-up", timeout=30, json={
        "email": ghlib.unique_email("bench"),
        "password": ghlib.unique_password()})
    assert r.status_code == 201, r.text
    return r.json()


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    with ghlib.running_server(ROOT, settings={"log_requests": 0}) as srv:
        base = srv.base_url
        s = requests.Session()
        owner = sign_up(s, base)
        h = {"Authorization": "Bearer " + owner["tokens"]["access_token"]}
        accts = []
        for i in range(5):
            r = s.post(base + "/v1/accounts", json={"name": "bench %d" % i},
                       headers=h, timeout=30)
            assert r.status_code == 201, r.text
            accts.append(r.json()["id"])
        # A team of 20 in the first account, joined by invites.
        for _ in range(20):
            u = sign_up(s, base)
            r = s.post(base + "/v1/invites", headers=h, timeout=30,
                       json={"type": "account", "target_id": accts[0]})
            r = s.post(base + "/v1/invites/%s/accept" % r.json()["code"],
                       timeout=30, headers={"Authorization": "Bearer " +
                                            u["tokens"]["access_token"]})
            assert r.status_code == 200, r.text
        r = s.post(base + "/v1/invites", headers=h, timeout=30,
                   json={"type": "account", "target_id": accts[0],
                         "max_uses": None})
        code = r.json()["code"]

        def ok(r, status=200):
            assert r.status_code == status, r.text
        print("accounts.py: %d requests each, one client, FastCGI" % n)
        line("GET /v1/auth/me", timed(lambda: ok(s.get(
            base + "/v1/auth/me", headers=h, timeout=30)), n))
        line("GET /v1/accounts (6 accounts)", timed(lambda: ok(s.get(
            base + "/v1/accounts", headers=h, timeout=30)), n))
        line("GET /v1/accounts/{id}/members (21)", timed(lambda: ok(s.get(
            base + "/v1/accounts/%s/members" % accts[0], headers=h,
            timeout=30)), n))
        line("GET /v1/invites/{code} (preview)", timed(lambda: ok(s.get(
            base + "/v1/invites/" + code, timeout=30)), n))
        line("GET /v1/auth/dashboard", timed(lambda: ok(s.get(
            base + "/v1/auth/dashboard", headers=h, timeout=30)), n))
        # Writes: fresh users accept fresh invites (a user may have 200
        # open invites, so at most 150 here).
        w = min(n, 150)
        users = [sign_up(s, base) for _ in range(w)]
        codes = []

        def create():
            r = s.post(base + "/v1/invites", headers=h, timeout=30,
                       json={"type": "account", "target_id": accts[1]})
            ok(r, 201)
            codes.append(r.json()["code"])
        line("POST /v1/invites", timed(create, w))
        it = iter(zip(codes, users))

        def accept():
            c, u = next(it)
            ok(s.post(base + "/v1/invites/%s/accept" % c, timeout=30,
                      headers={"Authorization": "Bearer " +
                               u["tokens"]["access_token"]}))
        line("POST /v1/invites/{code}/accept", timed(accept, w))
        flip = iter(range(n))

        def switch():
            i = next(flip)
            r = s.post(base + "/v1/accounts/%s/switch" % accts[i % 2],
                       headers=h, timeout=30)
            ok(r)
            h["Authorization"] = "Bearer " + r.json()["tokens"]["access_token"]
        line("POST /v1/accounts/{id}/switch", timed(switch, n))


if __name__ == "__main__":
    main()
