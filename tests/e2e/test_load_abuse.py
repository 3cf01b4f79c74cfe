"""Load and abuse: many concurrent clients hammer sign-in with wrong
passwords and sign-up with garbage for a bounded time, on 127.0.0.1.

A server of this module's own (four auth.fcgi processes, realistic but
small limits, 127.0.0.1 trusted as a proxy so X-Forwarded-For names the
client) is attacked by ~24 threads for ATTACK_SECONDS. Meanwhile, and
afterwards, legitimate users sign in from addresses of their own. The
attack guesses the passwords of some of them (TARGETED): backoff locks
their emails, and they get through with the device cookie of their
sign-up; the others (SPARED) sign in as usual. Checked: no 5xx, no
connection error, no auth.fcgi process died or was replaced, 429
rate_limited with Retry-After seen, every 400/413/415 a problem, the
database intact, every legitimate sign-in answered 200.
"""

import collections
import concurrent.futures
import itertools
import json
import random
import sqlite3
import threading
import time

import pytest
import requests

import ghlib
from ghlib import (PROBLEM_TYPE, assert_problem, media_type, set_cookie,
                   unique_email, unique_password)

SETTINGS = {
    "rate_limit_sign_in": "20/60",
    "rate_limit_sign_up": "10/60",
    "rate_limit_refresh": "20/60",
    "sign_in_backoff_after": 5,
    "sign_in_backoff_base": 1,
    "sign_in_backoff_max": 5,
    "trusted_proxies": "127.0.0.1 ::1",
}
AUTH_PROCS = 4
WORKERS = 24
ATTACK_SECONDS = 12      # the attack itself; the whole of it stays < 20 s
HARD_LIMIT = 20          # seconds from the attack's start to its last answer
REQ_TIMEOUT = 5          # per request: a slower answer counts as a hang
BODY_LIMIT = 65536       # body_limit's default
TARGETED = 3             # legitimate users whose emails the attack guesses
SPARED = 3               # legitimate users the attack does not know

# Answers each kind of request may get; anything else is a finding.
ALLOWED = {
    "sign_in_wrong": {401, 429},
    "sign_in_garbage": {400, 413, 415, 429},
    "sign_up_garbage": {400, 413, 415, 429},
    "sign_up_valid": {201, 429},
}
PROBLEM_CODES = {
    400: {"malformed_json", "validation_failed", "bad_request"},
    413: {"payload_too_large"},
    415: {"unsupported_media_type"},
    429: {"rate_limited"},
}

_addr = itertools.count(1)
_addr_lock = threading.Lock()


def fresh_ip(prefix="198.51"):
    """A client address used once (TEST-NET-2; 10/8 for the botnet)."""
    with _addr_lock:
        n = next(_addr)
    return "%s.%d.%d" % (prefix, (n // 250) % 250, n % 250 + 1)


# A few fixed attacker addresses: their per-address limits engage.
ATTACKERS = ["203.0.113.%d" % i for i in range(1, 7)]


@pytest.fixture(scope="module")
def srv(root):
    with ghlib.running_server(root, settings=SETTINGS,
                              auth_procs=AUTH_PROCS) as s:
        yield s


def url(srv, path):
    return srv.base_url + "/v1/auth" + path


# -- processes -------------------------------------------------------------------

def auth_processes(srv):
    """{pid: start time} of the auth.fcgi processes lighttpd spawned."""
    out = {}
    for pid in ghlib.children(srv.proc.pid):
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                argv0 = f.read().split(b"\0")[0].decode("utf-8", "replace")
            with open("/proc/%d/stat" % pid) as f:
                stat = f.read()
        except OSError:
            continue
        if argv0.endswith("/cgi-bin/auth.fcgi"):
            start = stat[stat.rindex(")") + 2:].split()[19]
            out[pid] = start
    return out


def integrity(srv):
    con = sqlite3.connect("file:%s?mode=ro" % srv.db_path, uri=True,
                          timeout=10)
    try:
        return [r[0] for r in con.execute("PRAGMA integrity_check")]
    finally:
        con.close()


# -- the attack ------------------------------------------------------------------

def garbage_sign_up(rng):
    """(body bytes, Content-Type or None, allowed statuses, what) of one
    garbage sign-up."""
    j = "application/json"
    pick = rng.randrange(12)
    if pick == 0:
        raw = rng.choice([b"{", b'{"email":', b"[1,2", b"null", b"\x00",
                          b'{"email":"a@b.c",}', b"}{", b"", b"   ",
                          b'{"email":"a@b.c" "password":"x"}', b"[]",
                          b'"just a string"', b"1e999999"])
        return raw, j, "malformed"
    if pick == 1:
        body = rng.choice([
            {"email": 5, "password": []},
            {"email": None, "password": {"a": 1}},
            {"email": ["x@y.z"], "password": True},
            {"email": 1.5e300, "password": -1},
            {},
        ])
        return json.dumps(body).encode(), j, "wrong_types"
    if pick == 2:
        # Exactly at the body limit: read, then refused field by field.
        n = BODY_LIMIT - len(b'{"email":"","password":"x"}')
        raw = b'{"email":"' + b"a" * n + b'","password":"x"}'
        assert len(raw) == BODY_LIMIT
        return raw, j, "huge_at_limit"
    if pick == 3:
        size = rng.choice([BODY_LIMIT + 1, BODY_LIMIT + 4096, 200000])
        raw = b'{"email":"' + b"b" * (size - 27) + b'","password":"x"}'
        return raw[:size], j, "huge_over_limit"
    if pick == 4:
        ct = rng.choice(["text/plain", "application/x-www-form-urlencoded",
                         "application/xml", "multipart/form-data; boundary=x",
                         "application/jsonx", "json"])
        return b'{"email":"a@b.c","password":"password123"}', ct, "bad_type"
    if pick == 5:
        return b'{"email":"a@b.c","password":"password123"}', None, "no_type"
    if pick == 6:
        body = {"email": unique_email("atk"), "password": unique_password(),
                "role": "admin", "is_admin": True, "user_id": "1"}
        return json.dumps(body).encode(), j, "extra_fields"
    if pick == 7:
        raw = rng.choice([
            b'{"email":"\xff\xfe@example.com","password":"password123"}',
            b'{"email":"a@b.c","password":"\xc3\x28\xa0\xa1xxxxxxx"}',
            b'{"email":"\xed\xa0\x80@x.io","password":"password123"}',
            b'{"\xf8\x88\x80\x80\x80":1}',
        ])
        return raw, j, "bad_utf8"
    if pick == 8:
        body = {"email": "not-an-email", "password": "x",
                "username": "!" * 300, "display_name": "\u0000nul"}
        return json.dumps(body).encode(), j, "bad_values"
    if pick == 9:
        # Deep nesting.
        return b"[" * 5000 + b"]" * 5000, j, "deep"
    if pick == 10:
        body = {"email": unique_email("atk"), "password": "p" * 20000}
        return json.dumps(body).encode(), j, "long_password"
    body = {"email": "x@" + "d" * 60000 + ".com", "password": "password123"}
    return json.dumps(body).encode(), "application/json; charset=utf-8", \
        "long_email"


def attacker_headers(rng):
    """X-Forwarded-For of one attack request: mostly a fixed attacker
    address, sometimes none (the client is 127.0.0.1 itself), sometimes a
    botnet address used once, sometimes a forged chain."""
    pick = rng.random()
    if pick < 0.50:
        return {"X-Forwarded-For": rng.choice(ATTACKERS)}
    if pick < 0.65:
        return {}
    if pick < 0.92:
        return {"X-Forwarded-For": fresh_ip("10.66")}
    return {"X-Forwarded-For": rng.choice([
        "1.2.3.4, " + rng.choice(ATTACKERS),
        "not-an-ip, <script>",
        "::ffff:" + rng.choice(ATTACKERS),
        "2001:db8:66::%x" % rng.randrange(1, 65535),
    ])}


class Tally:
    """What the attack saw, merged from the threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.statuses = collections.Counter()
        self.by_kind = collections.Counter()
        self.exceptions = collections.Counter()
        self.exception_samples = []
        self.findings = []          # 5xx, wrong problem shapes, surprises
        self.limited = 0            # good 429s (code + Retry-After)
        self.requests = 0

    def merge(self, local):
        with self.lock:
            self.statuses.update(local.statuses)
            self.by_kind.update(local.by_kind)
            self.exceptions.update(local.exceptions)
            self.exception_samples.extend(local.exception_samples[:3])
            self.findings.extend(local.findings[:20])
            self.limited += local.limited
            self.requests += local.requests


def check_answer(local, kind, what, r, sent, headers):
    """Records r and any way it breaks the rules."""
    local.statuses[r.status_code] += 1
    local.by_kind["%s:%d" % (kind, r.status_code)] += 1

    def finding(msg):
        local.findings.append(
            "%s (%s, %d bytes, XFF %r) -> %d %s: %s; X-Request-Id %s; body %r"
            % (kind, what, len(sent), headers.get("X-Forwarded-For"),
               r.status_code, r.headers.get("Content-Type"), msg,
               r.headers.get("X-Request-Id"), r.text[:300]))

    if r.status_code >= 500:
        finding("server error")
        return
    if r.status_code not in ALLOWED[kind]:
        finding("unexpected status")
    if r.status_code in PROBLEM_CODES or r.status_code == 401:
        if media_type(r) != PROBLEM_TYPE:
            finding("not problem+json")
            return
        try:
            code = r.json().get("code")
        except ValueError:
            finding("problem body is not JSON")
            return
        want = PROBLEM_CODES.get(r.status_code, {"invalid_credentials"})
        if code not in want:
            finding("code %r" % code)
        if r.status_code == 429:
            ra = r.headers.get("Retry-After", "")
            if not ra.isdigit() or int(ra) < 1:
                finding("Retry-After %r" % ra)
            elif code == "rate_limited":
                local.limited += 1


def attack_worker(srv, n, deadline, targets, tally):
    rng = random.Random(1000 + n)
    local = Tally()
    session = requests.Session()
    sign_in, sign_up = url(srv, "/sign-in"), url(srv, "/sign-up")
    try:
        while time.monotonic() < deadline:
            headers = attacker_headers(rng)
            roll = rng.random()
            if roll < 0.50:
                kind, target = "sign_in_wrong", sign_in
                if rng.random() < 0.6:
                    email = rng.choice(targets)
                    what = "targeted"
                    if rng.random() < 0.2:
                        email = email.upper()
                else:
                    email, what = unique_email("atk-guess"), "random"
                sent = json.dumps({"email": email,
                                   "password": unique_password()}).encode()
                headers["Content-Type"] = "application/json"
            elif roll < 0.56:
                kind, target = "sign_in_garbage", sign_in
                sent, ct, what = garbage_sign_up(rng)
                if ct:
                    headers["Content-Type"] = ct
            elif roll < 0.97:
                kind, target = "sign_up_garbage", sign_up
                sent, ct, what = garbage_sign_up(rng)
                if ct:
                    headers["Content-Type"] = ct
            else:
                kind, target, what = "sign_up_valid", sign_up, "spam"
                sent = json.dumps({"email": unique_email("atk-spam"),
                                   "password": unique_password()}).encode()
                headers["Content-Type"] = "application/json"
            local.requests += 1
            try:
                r = session.post(target, data=sent, headers=headers,
                                 timeout=REQ_TIMEOUT)
            except requests.RequestException as e:
                local.exceptions[type(e).__name__] += 1
                if len(local.exception_samples) < 3:
                    local.exception_samples.append(
                        "%s (%s, %d bytes): %r" % (kind, what, len(sent), e))
                # A fresh connection for the next one.
                session.close()
                session = requests.Session()
                continue
            check_answer(local, kind, what, r, sent, headers)
    finally:
        session.close()
        tally.merge(local)


# -- legitimate users ------------------------------------------------------------

def sign_up_user(srv):
    email, pw = unique_email("legit"), unique_password()
    r = requests.post(url(srv, "/sign-up"), json={"email": email,
                                                 "password": pw},
                      headers={"X-Forwarded-For": fresh_ip()},
                      timeout=ghlib.TIMEOUT)
    assert r.status_code == 201, r.text
    dev = set_cookie(r, "gh_device")
    assert dev, "no device cookie at sign-up: %s" % r.headers
    return {"email": email, "password": pw,
            "cookie": dev.split(";", 1)[0]}


def legit_sign_in(srv, user, with_cookie):
    h = {"X-Forwarded-For": fresh_ip()}
    if with_cookie:
        h["Cookie"] = user["cookie"]
    return requests.post(url(srv, "/sign-in"),
                         json={"email": user["email"],
                               "password": user["password"]},
                         headers=h, timeout=REQ_TIMEOUT)


class Legit:
    """Every sign-in of the legitimate users and its answer."""

    def __init__(self, srv, targeted, spared):
        self.srv, self.targeted, self.spared = srv, targeted, spared
        self.must_pass = []         # (phase, who, status, body) of 200-or-bust
        self.locked_seen = 0        # cookie-less probes refused by the lock
        self.through_lock = 0       # device sign-ins right after such a probe
        self.max_retry_after = 0

    def attempt(self, phase, who, user, with_cookie):
        try:
            r = legit_sign_in(self.srv, user, with_cookie)
        except requests.RequestException as e:
            self.must_pass.append((phase, who, None, repr(e)))
            return None
        self.must_pass.append((phase, who, r.status_code, r.text[:300]))
        return r

    def round(self, phase):
        for i, user in enumerate(self.targeted):
            # Without the device: 200, or the lock the attack caused.
            locked = False
            try:
                r = legit_sign_in(self.srv, user, with_cookie=False)
            except requests.RequestException as e:
                self.must_pass.append((phase, "targeted-probe", None, repr(e)))
            else:
                if r.status_code == 429:
                    assert_problem(r, 429, "rate_limited")
                    ra = r.headers.get("Retry-After", "")
                    assert ra.isdigit(), r.headers
                    self.max_retry_after = max(self.max_retry_after, int(ra))
                    self.locked_seen += 1
                    locked = True
                elif r.status_code != 200:
                    self.must_pass.append((phase, "targeted-probe",
                                           r.status_code, r.text[:300]))
            # With the device cookie of its sign-up: always 200.
            r = self.attempt(phase, "targeted-%d+device" % i, user, True)
            if locked and r is not None and r.status_code == 200:
                self.through_lock += 1
        for i, user in enumerate(self.spared):
            self.attempt(phase, "spared-%d" % i, user, False)

    def failures(self):
        return [m for m in self.must_pass if m[2] != 200]


# -- the test --------------------------------------------------------------------

def test_load_and_abuse(srv):
    assert srv.proc is not None and srv.proc.poll() is None
    procs_before = auth_processes(srv)
    assert len(procs_before) == AUTH_PROCS, (
        "lighttpd (pid %d) should have spawned %d auth.fcgi: %s"
        % (srv.proc.pid, AUTH_PROCS, procs_before))

    targeted = [sign_up_user(srv) for _ in range(TARGETED)]
    spared = [sign_up_user(srv) for _ in range(SPARED)]
    legit = Legit(srv, targeted, spared)
    legit.round("before")
    assert legit.locked_seen == 0 and not legit.failures(), legit.must_pass

    tally = Tally()
    emails = [u["email"] for u in targeted]
    start = time.monotonic()
    deadline = start + ATTACK_SECONDS
    with concurrent.futures.ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = [pool.submit(attack_worker, srv, n, deadline, emails, tally)
                   for n in range(WORKERS)]
        # The legitimate users, about once a second, during the attack.
        next_round = time.monotonic() + 1
        while time.monotonic() < deadline - 0.5:
            time.sleep(max(0, next_round - time.monotonic()))
            legit.round("during")
            next_round += 1
        done, pending = concurrent.futures.wait(
            futures, timeout=max(0.1, start + HARD_LIMIT - time.monotonic()))
        for f in done:
            f.result()      # a bug in the worker itself shows here
    elapsed = time.monotonic() - start
    assert not pending, "%d attack threads still running after %ds" % (
        len(pending), HARD_LIMIT)

    # After the attack: spared users as usual, targeted ones with their
    # device at once, then without it once the last lock has run out.
    legit.round("after")
    locks = []
    for user in targeted:
        r = legit_sign_in(srv, user, with_cookie=False)
        if r.status_code == 429:
            locks.append(int(r.headers.get("Retry-After", "0")))
        else:
            assert r.status_code == 200, r.text
    if locks:
        assert max(locks) <= SETTINGS["sign_in_backoff_max"], locks
        time.sleep(max(locks) + 0.3)
        for i, user in enumerate(targeted):
            legit.attempt("after-lock", "targeted-%d" % i, user, False)

    procs_after = auth_processes(srv)
    alive = srv.proc.poll() is None
    check = integrity(srv)

    counts = " ".join("%d:%d" % kv for kv in sorted(tally.statuses.items()))
    print("\nload/abuse: %d requests in %.1fs (%.0f req/s) by %d threads; "
          "status %s; exceptions %d; legit sign-ins %d ok of %d "
          "(%d through a lock)"
          % (tally.requests, elapsed, tally.requests / elapsed, WORKERS,
             counts, sum(tally.exceptions.values()),
             len(legit.must_pass) - len(legit.failures()),
             len(legit.must_pass), legit.through_lock))

    log = "\n--- lighttpd.log (%s) ---\n%s" % (srv.var, srv.log_text(3000))
    assert alive, "lighttpd exited (%s)%s" % (srv.proc.returncode, log)
    # No 5xx, no answer of the wrong shape or status.
    assert not tally.findings, "%d bad answers, e.g.:\n%s%s" % (
        len(tally.findings), "\n".join(tally.findings[:10]), log)
    assert not any(s >= 500 for s in tally.statuses), tally.statuses
    # Every request was answered: none is tolerated (keep-alive sessions;
    # lighttpd announces every close it makes).
    assert not tally.exceptions, "connection errors %s: %s%s" % (
        dict(tally.exceptions), tally.exception_samples, log)
    # The limits engaged, the garbage was refused as problems.
    assert tally.limited > 0 and tally.statuses[429] == tally.limited, \
        tally.statuses
    for s in (400, 413, 415):
        assert tally.statuses[s] > 0, "no %d seen: %s" % (s, tally.by_kind)
    assert tally.statuses[401] > 0, tally.statuses
    assert legit.locked_seen > 0, "the attack never locked a targeted email"
    assert legit.through_lock > 0, "no device sign-in through a lock"
    # Nothing crashed: the same four processes (pid and start time).
    assert procs_after == procs_before, (
        "auth.fcgi processes changed: %s -> %s%s"
        % (procs_before, procs_after, log))
    assert check == ["ok"], check
    # Every legitimate sign-in succeeded.
    assert not legit.failures(), "legitimate sign-ins refused: %s" % (
        legit.failures()[:10],)
