#!/usr/bin/python3
"""What an OAuth sign-in costs on this machine (docs/oauth.md).

Starts Gatehouse under lighttpd (tests/e2e/ghlib.py) and the test OpenID
provider (tests/e2e/oidc, oidc-provider from npm) on 127.0.0.1, then times:

1. POST /v1/oauth/{p}/id-token with an ID token signed RS256, ES256 and
   EdDSA: verification against the cached key set, the sign-in (a session,
   a write) and the AuthenticationResult. Sequential, one client.
2. The whole browser flow: /authorize, the provider's redirects, /callback
   (code exchange, ID token, userinfo, sign-in) and the login_token
   exchange; with the time spent in Gatehouse's three requests apart.
3. The first callback of a fresh oauth.fcgi process (discovery and key set
   fetched) against the next ones (cached).

Usage: /usr/bin/python3 bench/oauth.py [N]      (N id-token requests per
algorithm, default 300; flows: N / 6). Reports medians; asserts nothing.
"""

import os
import statistics
import sys
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))

import requests  # noqa: E402

import ghlib  # noqa: E402
from oauth_peers import start_oidc_provider  # noqa: E402

SECRET = "bench-secret-0123456789"


def ms(xs):
    return "%.2f ms" % (statistics.median(xs) * 1000)


def flow(base, s):
    """One sign-in; returns (total seconds, seconds in Gatehouse)."""
    ours = 0.0
    t0 = time.perf_counter()
    r = s.get(base + "/v1/oauth/corp/authorize", params={"redirect_to": "/x"},
              allow_redirects=False, timeout=30)
    ours += time.perf_counter() - t0
    loc = r.headers["Location"]
    while not loc.startswith(base):
        r = s.get(loc, allow_redirects=False, timeout=30)
        loc = urllib.parse.urljoin(loc, r.headers["Location"])
    t1 = time.perf_counter()
    r = s.get(loc, allow_redirects=False, timeout=30)
    q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(
        r.headers["Location"]).query))
    r2 = requests.get(base + "/v1/auth/sign-in-with-token",
                      params={"token": q["login_token"]}, timeout=30)
    assert r2.status_code == 200, r2.text
    ours += time.perf_counter() - t1
    return time.perf_counter() - t0, ours


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    port = ghlib.free_port()
    cb = "http://127.0.0.1:%d/v1/oauth/%%s/callback" % port
    op = start_oidc_provider([
        {"client_id": c, "client_secret": SECRET, "redirect_uris": [cb % c],
         "token_endpoint_auth_method": "client_secret_basic",
         "id_token_signed_response_alg": alg}
        for c, alg in (("corp", "RS256"), ("corpes", "ES256"),
                       ("corped", "EdDSA"))])
    settings = {"public_url": "http://127.0.0.1:%d" % port,
                "cookie_secure": 0, "log_requests": 0,
                "oauth_providers": "corp corpes corped"}
    for c in ("corp", "corpes", "corped"):
        settings.update({"oauth_%s_issuer" % c: op.issuer,
                         "oauth_%s_client_id" % c: c,
                         "oauth_%s_client_secret" % c: SECRET})
    srv = ghlib.Server(ROOT, settings=settings, port=port)
    try:
        srv.start()
        base = srv.base_url
        op.set_user(sub="bench-user", email="bench@example.com",
                    email_verified=True, name="Bench")
        print("id-token sign-in (verify + session + answer), %d each:" % n)
        for c, alg in (("corp", "RS256"), ("corpes", "ES256"),
                       ("corped", "EdDSA")):
            toks = [op.mint_id_token(aud=c, alg=alg) for _ in range(n)]
            s = requests.Session()
            times = []
            for t in toks:
                t0 = time.perf_counter()
                r = s.post(base + "/v1/oauth/%s/id-token" % c,
                           json={"id_token": t}, timeout=30)
                times.append(time.perf_counter() - t0)
                assert r.status_code == 200, r.text
            print("  %-6s median %s, p90 %.2f ms" % (
                alg, ms(times[n // 10:]),
                sorted(times)[int(len(times) * 0.9)] * 1000))
        # A fresh process: the first callback fetches discovery and keys.
        srv.kill_backends("oauth.fcgi")
        time.sleep(0.5)
        flows = max(10, n // 6)
        totals, ours = [], []
        first = None
        for i in range(flows):
            total, mine = flow(base, requests.Session())
            if i == 0:
                first = (total, mine)
            else:
                totals.append(total)
                ours.append(mine)
        print("browser flow (authorize .. sign-in-with-token), %d flows:"
              % flows)
        print("  first after a restart: %.2f ms, %.2f ms in Gatehouse"
              % (first[0] * 1000, first[1] * 1000))
        print("  then: median %s, of which %s in Gatehouse's three "
              "requests" % (ms(totals), ms(ours)))
    finally:
        srv.stop()
        srv.cleanup()
        op.close()


if __name__ == "__main__":
    main()
