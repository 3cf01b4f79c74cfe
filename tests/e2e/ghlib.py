"""Helpers shared by the Gatehouse end-to-end tests.

A `Server` is one real lighttpd, rendered from lighttpd-conf/dev.conf.in,
with its own data directory (database, keys, sockets, logs). The tests talk
to it over HTTP only, and read the SQLite file (read-only) to check that
refused requests changed nothing.
"""

import base64
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time
import uuid

import requests

TIMEOUT = 15  # seconds for a single HTTP request

# Tables whose contents a refused request must leave untouched.
SNAPSHOT_TABLES = ("users", "emails", "passwords", "sessions",
                   "refresh_tokens", "accounts", "memberships")

PROBLEM_TYPE = "application/problem+json"

# Lifetime of the access tokens minted to test expiry: the smallest
# access_ttl the configuration accepts.
EXPIRING_TTL = 30


def repo_root():
    env = os.environ.get("GATEHOUSE_E2E_ROOT")
    if env:
        return os.path.abspath(env)
    return os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def build_missing(root):
    need = ["cgi-bin/auth.fcgi", "cgi-bin/users.fcgi", "cgi-bin/meta.fcgi",
            "src/cli/gatehouse"]
    return [p for p in need if not os.access(os.path.join(root, p), os.X_OK)]


def require_build(root):
    missing = build_missing(root)
    if missing:
        import pytest
        pytest.fail("Gatehouse is not built in %s (missing: %s)"
                    % (root, ", ".join(missing)), pytrace=False)


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


def become_subreaper():
    """Makes this process the reaper of orphaned descendants (Linux
    PR_SET_CHILD_SUBREAPER), so backends left behind by a lighttpd that
    died are reaped here instead of lingering as zombies."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def reap(pids, timeout=3):
    """Waits for those of pids that are our children (adopted backends)."""
    pending = set(pids)
    deadline = time.monotonic() + timeout
    while pending:
        for pid in list(pending):
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done = pid  # not ours: its parent reaps it
            if done:
                pending.discard(pid)
        if not pending or time.monotonic() > deadline:
            return
        time.sleep(0.02)


def clean_env(**extra):
    """The environment for the programs: ours minus any GATEHOUSE_* that
    would override the test configuration."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEHOUSE_")}
    env.update(extra)
    return env


class Server:
    """One lighttpd + the Gatehouse programs on a private port and data dir."""

    def __init__(self, root=None, settings=None, data_dir=None, port=None):
        self.root = root or repo_root()
        self.settings = dict(settings or {})
        self.var = tempfile.mkdtemp(prefix="gatehouse-e2e-")
        # The data dir holds the database and keys; it is VAR unless the
        # caller shares another instance's data (same keys, same database).
        self.data_dir = data_dir or self.var
        self.port = port or free_port()
        self.proc = None
        self.log_path = os.path.join(self.var, "lighttpd.log")
        self.conf_path = os.path.join(self.var, "gatehouse.conf")
        self.lighttpd_conf = os.path.join(self.var, "lighttpd.conf")
        self.base_url = "http://127.0.0.1:%d" % self.port
        self.issuer = self.settings.pop("issuer", self.base_url)

    @property
    def db_path(self):
        return os.path.join(self.data_dir, "gatehouse.db")

    # -- set-up -------------------------------------------------------------

    def prepare(self, run_init=True):
        os.makedirs(os.path.join(self.var, "run"), exist_ok=True)
        conf = {
            "data_dir": self.data_dir,
            "argon2_opslimit": 1,
            "argon2_memlimit_kib": 64,
            "refresh_grace": 2,
            "issuer": self.issuer,
        }
        conf.update(self.settings)
        with open(self.conf_path, "w") as f:
            for k, v in conf.items():
                f.write("%s = %s\n" % (k, v))
        if run_init:
            cli = os.path.join(self.root, "src", "cli", "gatehouse")
            r = subprocess.run([cli, "init"], cwd=self.var,
                               env=clean_env(GATEHOUSE_CONFIG=self.conf_path),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               timeout=60)
            if r.returncode != 0:
                raise RuntimeError("gatehouse init failed (%d):\n%s"
                                   % (r.returncode, r.stdout.decode("utf-8", "replace")))
        with open(os.path.join(self.root, "lighttpd-conf", "dev.conf.in")) as f:
            text = f.read()
        text = (text.replace("@ROOT@", self.root).replace("@VAR@", self.var)
                .replace("@PORT@", str(self.port)))
        with open(self.lighttpd_conf, "w") as f:
            f.write(text)

    def start(self, run_init=True, timeout=15):
        self.prepare(run_init=run_init)
        self.spawn(timeout=timeout)
        return self

    def spawn(self, timeout=15):
        become_subreaper()
        log = open(self.log_path, "ab")
        try:
            self.proc = subprocess.Popen(
                ["lighttpd", "-D", "-f", self.lighttpd_conf],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                cwd=self.var, env=clean_env(), start_new_session=True)
        finally:
            log.close()
        self.wait_ready(timeout)

    def log_text(self, tail=6000):
        try:
            with open(self.log_path, "rb") as f:
                data = f.read()
        except OSError as e:
            return "(no log: %s)" % e
        return data[-tail:].decode("utf-8", "replace")

    def wait_ready(self, timeout=15):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError("lighttpd exited with %s before answering; log:\n%s"
                                   % (self.proc.returncode, self.log_text()))
            try:
                r = requests.get(self.base_url + "/health", timeout=2)
                if r.status_code == 200:
                    return
                last = "HTTP %d %r" % (r.status_code, r.text[:200])
            except requests.RequestException as e:
                last = repr(e)
            time.sleep(0.1)
        raise RuntimeError("GET /health did not answer 200 within %ss (last: %s); log:\n%s"
                           % (timeout, last, self.log_text()))

    # -- processes ----------------------------------------------------------

    def backend_pids(self, program=None):
        """Pids of the Gatehouse programs of THIS instance (FastCGI or CGI),
        found by their GATEHOUSE_CONFIG environment, so other instances
        running from the same tree are never touched."""
        want_env = ("GATEHOUSE_CONFIG=" + self.conf_path).encode()
        pids = []
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open("/proc/%s/cmdline" % d, "rb") as f:
                    argv0 = f.read().split(b"\0")[0].decode("utf-8", "replace")
                if "/cgi-bin/" not in argv0:
                    continue
                if program and not argv0.endswith("/cgi-bin/" + program):
                    continue
                with open("/proc/%s/environ" % d, "rb") as f:
                    env = f.read().split(b"\0")
            except OSError:
                continue
            if want_env in env:
                pids.append(int(d))
        return pids

    def kill_backends(self, program=None, sig=signal.SIGKILL):
        pids = self.backend_pids(program)
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        return pids

    def kill9(self):
        """SIGKILL lighttpd itself (no clean shutdown)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def restart_after_crash(self, timeout=15):
        """What a service manager does after lighttpd died: the orphaned
        backends of the old instance are killed with it (its control group),
        then lighttpd starts again on the same configuration."""
        orphans = self.backend_pids()
        self.kill9()
        self.kill_backends()
        self._wait_backends_gone()
        reap(orphans)
        self.spawn(timeout=timeout)

    def _wait_backends_gone(self, timeout=5):
        deadline = time.monotonic() + timeout
        while self.backend_pids() and time.monotonic() < deadline:
            time.sleep(0.05)

    def stop(self):
        backends = self.backend_pids()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.proc = None
        # Anything left over (backends that ignored the shutdown).
        self.kill_backends(sig=signal.SIGTERM)
        deadline = time.monotonic() + 3
        while self.backend_pids() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.kill_backends(sig=signal.SIGKILL)
        reap(backends)

    def cleanup(self):
        """Removes the instance's directory (after stop()), unless
        GATEHOUSE_E2E_KEEP is set to keep logs and databases to look at."""
        if os.environ.get("GATEHOUSE_E2E_KEEP"):
            return
        import shutil
        shutil.rmtree(self.var, ignore_errors=True)

    # -- database -----------------------------------------------------------

    def db_connect(self):
        return sqlite3.connect("file:%s?mode=ro" % self.db_path, uri=True, timeout=10)

    def db_snapshot(self, tables=SNAPSHOT_TABLES):
        """Row counts and full contents of the main tables (a tuple, so two
        snapshots compare with ==). A table that does not exist is (name,
        None)."""
        con = self.db_connect()
        try:
            out = []
            for t in tables:
                exists = con.execute(
                    "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?",
                    (t,)).fetchone()
                if not exists:
                    out.append((t, None, ()))
                    continue
                rows = con.execute('SELECT * FROM "%s"' % t).fetchall()
                rows = tuple(sorted(rows, key=repr))
                out.append((t, len(rows), rows))
            return tuple(out)
        finally:
            con.close()


# -- API addresses -------------------------------------------------------------

class Api:
    """Where the routes live in one serving mode (FastCGI or plain CGI)."""

    def __init__(self, base_url, mode):
        self.base_url = base_url
        self.mode = mode
        if mode == "fcgi":
            self.auth = base_url + "/v1/auth"
            self.users = base_url + "/v1/users"
            self.health = base_url + "/health"
        elif mode == "cgi":
            self.auth = base_url + "/cgi-bin/auth.fcgi"
            self.users = base_url + "/cgi-bin/users.fcgi"
            self.health = base_url + "/cgi-bin/meta.fcgi/health"
        else:
            raise ValueError(mode)
        self.jwks = base_url + "/.well-known/jwks.json"

    def __repr__(self):
        return "Api(%s)" % self.mode

    # Plain requests helpers; every call has a timeout.
    def post(self, route, body=None, raw=None, headers=None, token=None):
        h = dict(headers or {})
        if token:
            h["Authorization"] = "Bearer " + token
        url = self.auth + route
        if raw is not None:
            return requests.post(url, data=raw, headers=h, timeout=TIMEOUT)
        if body is None:
            return requests.post(url, headers=h, timeout=TIMEOUT)
        return requests.post(url, json=body, headers=h, timeout=TIMEOUT)

    def sign_up(self, body, **kw):
        return self.post("/sign-up", body, **kw)

    def sign_in(self, body, **kw):
        return self.post("/sign-in", body, **kw)

    def refresh(self, refresh_token, **kw):
        return self.post("/refresh", {"refresh_token": refresh_token}, **kw)

    def sign_out(self, token, **kw):
        return self.post("/sign-out", token=token, **kw)

    def me(self, token, headers=None):
        h = dict(headers or {})
        if token is not None:
            h["Authorization"] = "Bearer " + token
        return requests.get(self.auth + "/me", headers=h, timeout=TIMEOUT)

    def patch_me(self, token, body=None, raw=None, headers=None):
        h = dict(headers or {})
        if token is not None:
            h["Authorization"] = "Bearer " + token
        if raw is not None:
            return requests.patch(self.auth + "/me", data=raw, headers=h, timeout=TIMEOUT)
        return requests.patch(self.auth + "/me", json=body, headers=h, timeout=TIMEOUT)

    def user(self, user_id):
        return requests.get(self.users + "/" + user_id, timeout=TIMEOUT)


# -- test data ---------------------------------------------------------------

def unique_email(tag="user"):
    return "e2e-%s-%s@example.com" % (tag, uuid.uuid4().hex)


def unique_username():
    return "u" + uuid.uuid4().hex[:20]


def unique_password():
    return "pw-" + uuid.uuid4().hex


# -- JWT ---------------------------------------------------------------------

def b64url_decode(s):
    if isinstance(s, str):
        s = s.encode("ascii")
    return base64.urlsafe_b64decode(s + b"=" * (-len(s) % 4))


def b64url_encode(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode("ascii")


def b64url_json(obj):
    return b64url_encode(json.dumps(obj, separators=(",", ":")).encode())


def jwt_split(token):
    parts = token.split(".")
    assert len(parts) == 3, "a JWT has three parts: %r" % token
    return parts


def jwt_header(token):
    return json.loads(b64url_decode(jwt_split(token)[0]))


def jwt_claims(token):
    return json.loads(b64url_decode(jwt_split(token)[1]))


def flip_char(s, index):
    """s with the base64url character at index replaced by another one that
    changes its 6 bits (always a different decoded value)."""
    c = s[index]
    repl = "B" if c != "B" else "C"
    return s[:index] + repl + s[index + 1:]


# -- assertions ----------------------------------------------------------------

def media_type(r):
    return r.headers.get("Content-Type", "").split(";")[0].strip().lower()


def assert_common_headers(r, no_store=True):
    rid = r.headers.get("X-Request-Id")
    assert rid, "X-Request-Id missing on %s %s -> %d" % (
        r.request.method, r.request.url, r.status_code)
    if no_store:
        cc = r.headers.get("Cache-Control", "")
        assert "no-store" in cc.lower(), "Cache-Control: %r on %s %s" % (
            cc, r.request.method, r.request.url)


def assert_problem(r, status, code, params=None):
    """The response is an RFC 7807 problem with this status and code, and
    (if params is given) invalid_params holds an entry for each
    (path, type) or (path, type, expected) tuple."""
    body_text = r.text
    assert r.status_code == status, "expected %d %s, got %d: %s" % (
        status, code, r.status_code, body_text[:500])
    assert media_type(r) == PROBLEM_TYPE, "Content-Type %r (body %s)" % (
        r.headers.get("Content-Type"), body_text[:300])
    p = r.json()
    assert isinstance(p, dict), p
    assert p.get("code") == code, "code %r != %r: %s" % (p.get("code"), code, p)
    assert p.get("status") == status, p
    assert p.get("type") == "urn:gatehouse:problem:" + code, p
    assert isinstance(p.get("title"), str) and p["title"], p
    if "detail" in p:
        assert isinstance(p["detail"], str), p
    assert_common_headers(r)
    if params:
        for want in params:
            find_param(p, *want)
    return p


def find_param(problem, path, type_, expected=None, in_="body"):
    ips = problem.get("invalid_params")
    assert isinstance(ips, list) and ips, "no invalid_params in %s" % problem
    for e in ips:
        assert isinstance(e, dict), ips
        if e.get("path") == path and e.get("type") == type_:
            assert e.get("in") == in_, "entry %s: in != %r" % (e, in_)
            if expected is not None:
                assert e.get("expected") == expected, "entry %s: expected != %r" % (e, expected)
            return e
    raise AssertionError("no invalid_params entry path=%r type=%r in %s"
                         % (path, type_, ips))


def received_names(value):
    """The JSON type names a server may report for a received value: an
    integral number may be called "integer" (JSON Schema) or "number"."""
    if isinstance(value, bool):
        return ("boolean",)
    if isinstance(value, int):
        return ("integer", "number")
    if isinstance(value, float):
        return ("number",)
    if value is None:
        return ("null",)
    if isinstance(value, str):
        return ("string",)
    if isinstance(value, list):
        return ("array",)
    return ("object",)


USERNAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{2,31}$")


def param_for(problem, path):
    """The invalid_params entries for one field."""
    return [e for e in problem.get("invalid_params") or [] if e.get("path") == path]


# -- response shapes -------------------------------------------------------------

import datetime  # noqa: E402
import re  # noqa: E402

RFC3339_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def parse_time(s):
    assert isinstance(s, str) and RFC3339_Z.match(s), "not RFC 3339 UTC: %r" % (s,)
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc)


def assert_recent(s, slack=300):
    t = parse_time(s)
    now = datetime.datetime.now(datetime.timezone.utc)
    assert abs((now - t).total_seconds()) < slack, "time %s is not now (%s)" % (s, now)


def check_tokens(t, expires_in=900):
    assert isinstance(t, dict), t
    assert isinstance(t.get("access_token"), str) and t["access_token"].count(".") == 2, t
    assert isinstance(t.get("refresh_token"), str) and len(t["refresh_token"]) >= 32, t
    assert t.get("token_type") == "Bearer", t
    assert t.get("expires_in") == expires_in, t


PROFILE_KEYS = {"id", "application_id", "status", "username", "display_name", "avatar_url",
                "banner_url", "is_bot", "credentials", "identity", "memberships",
                "active_membership", "mfa_enabled", "created_at"}
IDENTITY_KEYS = {"given_name", "family_name", "locale", "timezone", "preferred_language"}
PUBLIC_KEYS = {"id", "username", "display_name", "avatar_url", "banner_url", "is_bot",
               "created_at"}


def check_session_profile(p, email=None, username=None):
    assert isinstance(p, dict), p
    missing = PROFILE_KEYS - set(p)
    assert not missing, "SessionProfile lacks %s: %s" % (sorted(missing), p)
    assert isinstance(p["id"], str) and p["id"], p
    assert isinstance(p["application_id"], str) and p["application_id"], p
    assert p["status"] == "active", p
    assert p["is_bot"] is False, p
    assert p["mfa_enabled"] is False, p
    assert_recent(p["created_at"])
    creds = p["credentials"]
    assert isinstance(creds, list) and len(creds) == 1, p
    c = creds[0]
    assert isinstance(c.get("id"), str) and c["id"], c
    assert "email_verified_at" in c and c["email_verified_at"] is None, c
    if email is not None:
        assert isinstance(c.get("email"), str) and c["email"].lower() == email.lower(), c
    ident = p["identity"]
    assert isinstance(ident, dict) and IDENTITY_KEYS <= set(ident), p
    ms = p["memberships"]
    assert isinstance(ms, list) and len(ms) == 1, p
    m = ms[0]
    assert isinstance(m.get("id"), str) and m["id"], m
    assert m.get("role") == "owner", m
    acc = m.get("account")
    assert isinstance(acc, dict) and {"id", "name", "avatar_url"} <= set(acc), m
    assert m.get("account_id") == acc["id"], m
    assert p["active_membership"] == m["id"], p
    if username is not None:
        assert p["username"] == username, p
    return p
