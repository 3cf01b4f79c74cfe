"""Test peers of the OAuth / OpenID Connect e2e tests.

start_oidc_provider(clients, port=None) runs a real OpenID provider
(panva's oidc-provider, tests/e2e/oidc/provider.mjs) on 127.0.0.1 and returns
an OidcProvider that drives its /_test/ control API. The GitHub stand-in is
github_standin.GitHubStandin (re-exported here).

    op = start_oidc_provider([{
        "client_id": "gatehouse", "client_secret": "s3cret",
        "redirect_uris": ["http://127.0.0.1:8080/v1/oauth/oidc/callback"],
        "token_endpoint_auth_method": "client_secret_basic",  # or _post
        "id_token_signed_response_alg": "RS256",              # ES256, EdDSA
    }])
    op.issuer                        # "http://127.0.0.1:PORT"
    op.set_user(sub="u1", email="a@example.test", email_verified=True)
    op.tamper("wrong_nonce")         # the next token response only
    op.mint_id_token(aud="gatehouse", nonce="n", mode="expired")
    op.last()["authorization"]["code_challenge_method"]   # "S256"
    op.stop(); op.restart()          # same port, same keys
    op.close()                       # stop and remove its files

The provider requires PKCE S256 on every authorization request; the login is
non-interactive: a requests.Session that follows redirects goes from the
authorization URL to the client's redirect_uri (code, state) with no form.
"""

import atexit
import fcntl
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

import requests

from ghlib import free_port
from github_standin import GitHubStandin  # noqa: F401  (re-exported)

HERE = os.path.dirname(os.path.abspath(__file__))
OIDC_DIR = os.path.join(HERE, "oidc")
PROVIDER = os.path.join(OIDC_DIR, "provider.mjs")

TAMPER_MODES = ("wrong_nonce", "other_key", "unknown_kid", "expired",
                "wrong_aud", "wrong_iss", "alg_none",
                # extra, beyond the list the tests were planned with:
                "bad_signature", "no_nonce")

_running = set()
_own_workdirs = set()


@atexit.register
def _kill_leftovers():
    for op in list(_running):
        op.stop()
    for d in list(_own_workdirs):
        shutil.rmtree(d, ignore_errors=True)


def ensure_node_modules(timeout=300):
    """Installs tests/e2e/oidc/node_modules (npm ci from the committed
    package-lock.json, npm install without one) unless it is there. Safe
    to call from several processes at once (a lock file serialises them).
    Raises RuntimeError with npm's output when it fails."""
    marker = os.path.join(OIDC_DIR, "node_modules", "oidc-provider",
                          "package.json")
    if os.path.exists(marker):
        return
    npm = shutil.which("npm")
    if not npm or not shutil.which("node"):
        raise RuntimeError("node and npm are needed for the OpenID provider "
                           "(tests/e2e/oidc)")
    lock_path = os.path.join(tempfile.gettempdir(),
                             "gatehouse-oidc-npm-%d.lock" % os.getuid())
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.path.exists(marker):
            return
        has_lock = os.path.exists(os.path.join(OIDC_DIR, "package-lock.json"))
        cmd = [npm, "ci" if has_lock else "install", "--no-audit", "--no-fund"]
        r = subprocess.run(cmd, cwd=OIDC_DIR, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=timeout)
        if r.returncode != 0 or not os.path.exists(marker):
            raise RuntimeError("%s failed in %s:\n%s" % (
                " ".join(cmd), OIDC_DIR,
                r.stdout.decode("utf-8", "replace")[-4000:]))


class OidcProvider:
    """One provider.mjs process and its files (config.json, keys.json,
    provider.log in .workdir). Start with start(); stop() keeps the files
    so that restart() comes back on the same port with the same signing
    keys and the last set_user() (codes, tokens, sessions, a pending
    tamper and last() of the old process are gone)."""

    def __init__(self, clients, port=None, workdir=None, start_timeout=30):
        self.clients = [dict(c) for c in clients]
        self.port = port or free_port()
        self.issuer = "http://127.0.0.1:%d" % self.port
        self.url = self.issuer
        self._own_workdir = workdir is None
        self.workdir = workdir or tempfile.mkdtemp(prefix="gatehouse-oidc-")
        if self._own_workdir:
            _own_workdirs.add(self.workdir)
        self.config_path = os.path.join(self.workdir, "config.json")
        self.keys_path = os.path.join(self.workdir, "keys.json")
        self.log_path = os.path.join(self.workdir, "provider.log")
        self.start_timeout = start_timeout
        self.proc = None
        self.started_in = None  # seconds the last start() took
        self._user = None  # the last set_user(), sent again by a restart
        with open(self.config_path, "w") as f:
            json.dump({"clients": self.clients, "keys_file": self.keys_path,
                       "port": self.port}, f, indent=2)

    # -------------------------------------------------------------- process

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def log(self):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def start(self):
        if self.running:
            return self
        ensure_node_modules()
        t0 = time.monotonic()
        with open(self.log_path, "ab") as log:
            log.write(b"--- start\n")
            log.flush()
            start_offset = log.tell()
            self.proc = subprocess.Popen(
                ["node", PROVIDER, self.config_path, str(self.port)],
                cwd=OIDC_DIR, stdin=subprocess.DEVNULL, stdout=log,
                stderr=log, start_new_session=True)
        _running.add(self)
        want = "ready %s" % self.issuer
        deadline = t0 + self.start_timeout
        while True:
            with open(self.log_path, "rb") as f:
                f.seek(start_offset)
                text = f.read().decode("utf-8", "replace")
            if any(line.strip() == want for line in text.splitlines()):
                break
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the OpenID provider did not start "
                                   "(%s):\n%s" % (self.issuer, text[-4000:]))
            time.sleep(0.02)
        self.started_in = time.monotonic() - t0
        if self._user is not None:
            self._call("POST", "/_test/user", self._user)
        return self

    def stop(self):
        """SIGTERM, then SIGKILL after 5 s. The port is free afterwards."""
        proc, self.proc = self.proc, None
        _running.discard(self)
        if proc is None:
            return
        if proc.poll() is None:
            try:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)

    def restart(self):
        self.stop()
        return self.start()

    def close(self):
        """stop() and remove the work directory if this object made it."""
        self.stop()
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
            _own_workdirs.discard(self.workdir)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    # -------------------------------------------------------------- control

    def _call(self, method, path, body=None, params=None):
        r = requests.request(method, self.issuer + path, json=body,
                             params=params, timeout=10)
        if r.status_code != 200:
            raise RuntimeError("%s %s -> %d %s" % (method, path,
                                                   r.status_code, r.text))
        return r.json()

    def set_user(self, **claims):
        """The account of the next logins: sub, email, email_verified, name,
        given_name, family_name, preferred_username, picture, locale (left
        out = not a claim at all; sub defaults to "oidc-user-1"). It ends
        every provider session, so the next /auth logs in as this user.
        Returns the stored user. A restart() sets this user again."""
        user = self._call("POST", "/_test/user", claims)["user"]
        self._user = claims
        return user

    def tamper(self, mode):
        """The next token response carrying an id_token gets a doctored
        one (TAMPER_MODES); None clears a pending one."""
        if mode is not None and mode not in TAMPER_MODES:
            raise ValueError("unknown tamper mode %r" % (mode,))
        return self._call("POST", "/_test/tamper", {"mode": mode})

    def mint_id_token(self, **kw):
        """An ID token signed by this provider's key, iss = issuer:
        aud (default: the first client), sub/email/email_verified/name/...
        (default: the current user's; None leaves a claim out), nonce,
        exp_in (seconds, default 3600, may be negative), iat, azp,
        alg (RS256 default, ES256, EdDSA), mode (a tamper mode), and any
        other claim as is."""
        return self._call("POST", "/_test/id-token", kw)["id_token"]

    def last(self):
        """{"authorization": the query of the last GET /auth (+ "at"),
            "token": {grant_type, client_id, redirect_uri, code_present,
                      code_verifier_present, code_verifier, auth_method
                      (client_secret_basic | client_secret_post | none),
                      content_type, status, error, tampered, at},
            "userinfo": {method, authorization_scheme, status, at}}
        (a key is missing until such a request came)."""
        return self._call("GET", "/_test/last")

    def reset(self):
        """Default user, no pending tamper, last() empty, all sessions,
        codes and tokens forgotten."""
        self._user = None
        return self._call("POST", "/_test/reset")

    def state(self):
        return self._call("GET", "/_test/state")

    def discovery(self):
        r = requests.get(self.issuer + "/.well-known/openid-configuration",
                         timeout=10)
        r.raise_for_status()
        return r.json()


def start_oidc_provider(clients, port=None, workdir=None):
    """Starts provider.mjs with these oidc-provider client metadata (on
    `port`, else a free one) and returns the started OidcProvider."""
    return OidcProvider(clients, port=port, workdir=workdir).start()
