"""Helpers shared by the Gatehouse end-to-end tests.

A `Server` is one real lighttpd, rendered from lighttpd-conf/dev.conf.in,
with its own data directory (database, keys, sockets, logs). The tests talk
to it over HTTP only, and read the SQLite file (read-only) to check that
refused requests changed nothing.

An `ApacheServer` (apache-conf/*.conf.in) or `NginxServer`
(nginx-conf/nginx.conf.in) serves the same programs from the SAME data
directory and gatehouse.conf as a lighttpd `Server` (same database, same
keys), on its own port; its programs run as www-data (WEB_USER).
"""

import base64
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time
import uuid

import pytest
import requests

TIMEOUT = 15  # seconds for a single HTTP request

# Tables whose contents a refused request must leave untouched.
SNAPSHOT_TABLES = ("users", "emails", "passwords", "sessions",
                   "refresh_tokens", "accounts", "memberships", "waitlists",
                   "user_tiers", "invites", "invite_uses")

# Rate limits and sign-in backoff that a test run never reaches.
NO_LIMITS = {
    "rate_limit_sign_in": "1000000/1",
    "rate_limit_sign_up": "1000000/1",
    "rate_limit_refresh": "1000000/1",
    "rate_limit_credential": "1000000/1",
    "rate_limit_email": "1000000/1",
    "rate_limit_email_address": "1000000/1",
    "sign_in_backoff_after": 1000,
}

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


# The user Apache and nginx run their workers and our programs as.
WEB_USER = "www-data"


def _which(name):
    import shutil
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin:/usr/bin:/bin")


def _web_uid(user=None):
    import pwd
    try:
        return pwd.getpwnam(user or WEB_USER).pw_uid
    except KeyError:
        return None


def chown_web_user(path, user=None):
    """Gives a data directory (recursively) to the web user, when we are
    root and the user exists; a no-op otherwise."""
    import pwd
    if os.getuid() != 0:
        return
    try:
        pw = pwd.getpwnam(user or WEB_USER)
    except KeyError:
        return
    os.chown(path, pw.pw_uid, pw.pw_gid)
    for top, dirs, files in os.walk(path):
        for n in dirs + files:
            try:
                os.chown(os.path.join(top, n), pw.pw_uid, pw.pw_gid,
                         follow_symlinks=False)
            except FileNotFoundError:
                pass


def clean_env(**extra):
    """The environment for the programs: ours minus any GATEHOUSE_* that
    would override the test configuration."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEHOUSE_")}
    env.update(extra)
    return env


def wait_ok(proc, name, url, timeout, log_text):
    """Waits for url to answer 200 while proc (may be None) keeps running;
    raises with the server's log otherwise."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError("%s exited with %s before answering; log:\n%s"
                               % (name, proc.returncode, log_text()))
        try:
            r = requests.get(url, timeout=2)
            if r.status_code == 200:
                return
            last = "HTTP %d %r" % (r.status_code, r.text[:200])
        except requests.RequestException as e:
            last = repr(e)
        time.sleep(0.1)
    raise RuntimeError("%s: GET %s did not answer 200 within %ss (last: %s); log:\n%s"
                       % (name, url, timeout, last, log_text()))


@contextlib.contextmanager
def running_server(root, settings=None, auth_procs=None, port=None):
    """A started Server (lighttpd) for the duration of the block; a server
    that does not start fails the test with its log."""
    require_build(root)
    srv = Server(root, settings=settings, auth_procs=auth_procs, port=port)
    try:
        srv.start()
    except Exception as e:
        srv.stop()
        pytest.fail(str(e), pytrace=False)
    try:
        yield srv
    finally:
        srv.stop()
        srv.cleanup()


class Server:
    """One lighttpd + the Gatehouse programs on a private port and data dir."""

    def __init__(self, root=None, settings=None, data_dir=None, port=None,
                 auth_procs=None):
        self.root = root or repo_root()
        self.auth_procs = auth_procs    # auth.fcgi processes (default 2)
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
        # The suite signs up thousands from 127.0.0.1: every limit is on
        # (the code runs) but far away. test_abuse.py sets its own.
        conf.update(NO_LIMITS)
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
        # Apache and nginx run the programs as www-data: they must read the
        # configuration and secret key and write the database (SQLite gives
        # the -wal/-shm files root's programs create the database's owner).
        chown_web_user(self.var)
        if self.data_dir != self.var:
            chown_web_user(self.data_dir)
        with open(os.path.join(self.root, "lighttpd-conf", "dev.conf.in")) as f:
            text = f.read()
        text = (text.replace("@ROOT@", self.root).replace("@VAR@", self.var)
                .replace("@PORT@", str(self.port)))
        if self.auth_procs is not None:
            auth = '"bin-path" => "%s/cgi-bin/auth.fcgi",\n    "max-procs" => 2' % self.root
            assert auth in text, "dev.conf.in: auth.fcgi mount changed"
            text = text.replace(auth, auth[:-1] + str(self.auth_procs))
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
        wait_ok(self.proc, "lighttpd", self.base_url + "/health", timeout,
                self.log_text)

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
                # lighttpd runs its programs as us; the same programs
                # under Apache/nginx (same GATEHOUSE_CONFIG) run as
                # www-data and are not this instance's.
                if os.stat("/proc/%s" % d).st_uid != os.getuid():
                    continue
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

    def query(self, sql, *args):
        """Rows of one statement on a read-write connection, committed
        (tests that set a row up, or look at what a route wrote)."""
        con = sqlite3.connect(self.db_path, timeout=10)
        try:
            rows = con.execute(sql, args).fetchall()
            con.commit()
            return rows
        finally:
            con.close()

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


# -- Apache and nginx ------------------------------------------------------------
#
# Each serves the programs from the data directory of a lighttpd `Server`
# (same gatehouse.conf, database and keys) on a port of its own; files of
# their own live under <var>/run/<name>/ and <var>/<name>-*.log, as the
# templates say. Started once per session by conftest.py.

def _parents():
    """{ppid: [pid, ...]} of every process (from /proc/*/stat)."""
    children = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                stat = f.read()
        except OSError:
            continue
        # pid (comm) state ppid ...; comm may hold spaces and parens.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(d))
    return children


def children(pid):
    """Pids whose parent is pid."""
    return set(_parents().get(pid, []))


def _descendants(pid):
    """Pids of all descendants of pid (from /proc), children first."""
    children_of = _parents()
    out, todo = [], [pid]
    while todo:
        for c in children_of.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def _alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    except OSError:
        return False


def _signal_all(pids, sig):
    for pid in pids:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def _wait_gone(pids, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        reap(pids, timeout=0)
        if not any(_alive(p) for p in pids):
            return True
        time.sleep(0.05)
    return False


class FrontServer:
    """A web server other than lighttpd in front of the programs, plus the
    spawn-fcgi programs it needs (if any)."""

    name = None          # apache-fcgid, apache-proxy, apache-cgi, nginx
    template = None      # relative to the source tree
    binary = None        # what must be installed (Debian package in `package`)
    package = None
    spawn_fcgi = False   # the programs run under spawn-fcgi
    health_path = "/health"

    def __init__(self, main, port=None):
        self.main = main             # the lighttpd Server whose data we share
        self.root = main.root
        self.var = main.var
        self.conf_path = main.conf_path
        self.port = port or free_port()
        self.base_url = "http://127.0.0.1:%d" % self.port
        self.run_dir = os.path.join(self.var, "run", self.name)
        self.rendered = os.path.join(self.var, self.name + ".conf")
        self.out_path = os.path.join(self.var, self.name + ".out")
        self.proc = None
        self.spawned = []            # pids of spawn-fcgi'd programs
        self.authz_port = free_port()
        # The protected demo directory (tests/e2e/site/private/), where
        # the configuration has one.
        self.private_url = (self.base_url + "/private/") if self.protects else None

    protects = False                 # serves /private/ behind authz.fcgi

    def extra_spawns(self):
        """Programs besides auth/users/meta to start under spawn-fcgi."""

    def missing(self):
        """What is not installed, as a message, or None."""
        need = [self.binary] + (["spawn-fcgi"] if self.spawn_fcgi else [])
        lacking = [b for b in need if not _which(b)]
        if lacking:
            return ("%s not installed (%s); install with: apt-get install %s"
                    % (self.name, ", ".join(lacking), self.package))
        return None

    def render(self):
        with open(os.path.join(self.root, self.template)) as f:
            text = f.read()
        text = (text.replace("@ROOT@", self.root).replace("@VAR@", self.var)
                .replace("@PORT@", str(self.port))
                .replace("@AUTHZ_PORT@", str(self.authz_port)))
        with open(self.rendered, "w") as f:
            f.write(text)

    def command(self):
        raise NotImplementedError

    def start(self, timeout=20):
        msg = self.missing()
        if msg:
            raise RuntimeError(msg)
        become_subreaper()
        os.makedirs(self.run_dir, exist_ok=True)
        self.render()
        if self.spawn_fcgi:
            # ui: the hosted pages at /ui/ (the authorizer's sign_in_url).
            for prog in ("auth", "users", "meta", "ui", "oauth", "mfa",
                         "sessions", "waitlists", "accounts"):
                self.spawn(prog)
        self.extra_spawns()
        out = open(self.out_path, "ab")
        try:
            self.proc = subprocess.Popen(
                self.command(), stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                cwd=self.var, env=clean_env(), start_new_session=True)
        finally:
            out.close()
        self.wait_ready(timeout)
        return self

    def spawn(self, prog, children=2, tcp_port=None, program=None, env=None):
        """Starts cgi-bin/<prog>.fcgi (or `program`) under spawn-fcgi
        exactly as the template's comment says: on a unix socket 0600 owned
        by www-data, or on 127.0.0.1:tcp_port."""
        sock = os.path.join(self.run_dir, prog + ".sock")
        pidfile = os.path.join(self.run_dir, prog + ".pid")
        for p in (sock, pidfile):
            if os.path.exists(p):
                os.unlink(p)
        if tcp_port:
            where = ["-a", "127.0.0.1", "-p", str(tcp_port)]
        else:
            where = ["-s", sock, "-M", "0600", "-U", WEB_USER]
        program = program or os.path.join(self.root, "cgi-bin", prog + ".fcgi")
        out = open(self.out_path, "ab")
        try:
            r = subprocess.run(
                ["spawn-fcgi"] + where +
                ["-u", WEB_USER, "-g", WEB_USER, "-F", str(children),
                 "-P", pidfile, "--", program],
                stdin=subprocess.DEVNULL, stdout=out, stderr=out, cwd=self.var,
                env=env or clean_env(GATEHOUSE_CONFIG=self.conf_path), timeout=30)
        finally:
            out.close()
        try:
            with open(pidfile) as f:
                pids = [int(x) for x in f.read().split()]
        except OSError:
            pids = []
        self.spawned.extend(pids)
        if r.returncode != 0 or len(pids) != children:
            raise RuntimeError("spawn-fcgi %s failed (%d); output:\n%s"
                               % (prog, r.returncode, self.log_text()))

    def log_paths(self):
        return [self.out_path] + [os.path.join(self.var, self.name + s)
                                  for s in ("-error.log",)]

    def log_text(self, tail=4000):
        parts = []
        for p in self.log_paths():
            try:
                with open(p, "rb") as f:
                    parts.append("== %s\n%s" % (p, f.read()[-tail:].decode("utf-8", "replace")))
            except OSError:
                pass
        return "\n".join(parts) or "(no logs)"

    def wait_ready(self, timeout):
        wait_ok(self.proc, self.name, self.base_url + self.health_path,
                timeout, self.log_text)

    def stop(self):
        """Stops the server (its workers and the programs it started die
        with it) and the spawn-fcgi programs, and reaps them all."""
        tree = []
        if self.proc is not None:
            tree = _descendants(self.proc.pid)
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(15)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(10)
            self.proc = None
        # Workers, mod_fcgid programs, the cgid daemon: gone with the
        # server normally; SIGKILL whatever is left.
        if not _wait_gone(tree, 5):
            _signal_all([p for p in tree if _alive(p)], signal.SIGKILL)
            _wait_gone(tree, 5)
        if self.spawned:
            _signal_all(self.spawned, signal.SIGTERM)
            if not _wait_gone(self.spawned, 5):
                _signal_all([p for p in self.spawned if _alive(p)], signal.SIGKILL)
                _wait_gone(self.spawned, 5)
            self.spawned = []

    @staticmethod
    def kill_pids(pids):
        _signal_all(pids, signal.SIGKILL)
        return pids

    def leftovers(self):
        """Programs of this data directory still running as www-data."""
        return web_user_programs(self.conf_path)


class ApacheServer(FrontServer):
    binary = "apache2"
    package = "apache2 libapache2-mod-fcgid"
    FLAVOURS = {
        # name -> (template, programs under spawn-fcgi, health path)
        "apache-fcgid": ("apache-conf/fcgid.conf.in", False, "/health"),
        "apache-proxy": ("apache-conf/proxy-fcgi.conf.in", True, "/health"),
        "apache-cgi": ("apache-conf/cgi.conf.in", False, "/cgi-bin/meta.fcgi/health"),
    }

    def __init__(self, main, flavour, port=None):
        self.name = flavour
        self.template, self.spawn_fcgi, self.health_path = self.FLAVOURS[flavour]
        # mod_proxy_fcgi's configuration also protects /private/ with
        # mod_authnz_fcgi (authz.fcgi on 127.0.0.1 TCP).
        self.protects = flavour == "apache-proxy"
        super().__init__(main, port)

    def extra_spawns(self):
        if self.protects:
            self.spawn("authz", tcp_port=self.authz_port, env=clean_env(
                GATEHOUSE_CONFIG=self.conf_path, FCGI_WEB_SERVER_ADDRS="127.0.0.1"))

    def missing(self):
        msg = super().missing()
        if msg is None and self.name == "apache-fcgid" and not os.path.exists(
                "/usr/lib/apache2/modules/mod_fcgid.so"):
            msg = ("mod_fcgid not installed; install with: apt-get install "
                   "libapache2-mod-fcgid")
        return msg

    def command(self):
        return ["apache2", "-f", self.rendered, "-DFOREGROUND"]

    def log_paths(self):
        return [self.out_path, os.path.join(self.var, self.name + "-error.log")]


class NginxServer(FrontServer):
    name = "nginx"
    template = "nginx-conf/nginx.conf.in"
    binary = "nginx"
    package = "nginx spawn-fcgi fcgiwrap"
    spawn_fcgi = True
    protects = True

    def missing(self):
        msg = super().missing()
        if msg is None and not _which("fcgiwrap"):
            msg = "fcgiwrap not installed; install with: apt-get install fcgiwrap"
        return msg

    def extra_spawns(self):
        self.spawn("authz")
        self.spawn("fcgiwrap", children=1, program=_which("fcgiwrap"), env=clean_env())

    def command(self):
        return ["nginx", "-c", self.rendered, "-g", "daemon off;"]

    def log_paths(self):
        return [self.out_path, os.path.join(self.var, "nginx-error.log")]


FRONT_SERVERS = {
    "apache-fcgid": lambda main: ApacheServer(main, "apache-fcgid"),
    "apache-proxy": lambda main: ApacheServer(main, "apache-proxy"),
    "apache-cgi": lambda main: ApacheServer(main, "apache-cgi"),
    "nginx": lambda main: NginxServer(main),
}


def web_user_programs(conf_path, user=None):
    """Pids of Gatehouse programs running as the web user with this
    GATEHOUSE_CONFIG (what Apache/nginx front servers leave, if anything)."""
    uid = _web_uid(user)
    if uid is None:
        return []
    want_env = ("GATEHOUSE_CONFIG=" + conf_path).encode()
    pids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            if os.stat("/proc/%s" % d).st_uid != uid:
                continue
            with open("/proc/%s/cmdline" % d, "rb") as f:
                argv0 = f.read().split(b"\0")[0].decode("utf-8", "replace")
            if "/cgi-bin/" not in argv0:
                continue
            with open("/proc/%s/environ" % d, "rb") as f:
                env = f.read().split(b"\0")
        except OSError:
            continue
        if want_env in env and _alive(int(d)):
            pids.append(int(d))
    return pids


# -- API addresses -------------------------------------------------------------

# mode -> (web server, URL layout). "fcgi" and "cgi" are lighttpd (the
# `server` fixture); the others are served by the Apache/nginx instances
# below from the same data directory. Layout "fcgi": /v1/auth/..., /health;
# layout "cgi": /cgi-bin/auth.fcgi/..., /cgi-bin/meta.fcgi/health.
MODES = {
    "fcgi": ("lighttpd", "fcgi"),
    "cgi": ("lighttpd", "cgi"),
    "apache-fcgid": ("apache", "fcgi"),
    "apache-proxy": ("apache", "fcgi"),
    "apache-cgi": ("apache", "cgi"),
    "nginx": ("nginx", "fcgi"),
}


class Api:
    """Where the routes live in one serving mode (see MODES)."""

    def __init__(self, base_url, mode):
        self.base_url = base_url
        self.mode = mode
        if mode not in MODES:
            raise ValueError(mode)
        self.web_server, self.layout = MODES[mode]
        if self.layout == "fcgi":
            self.auth = base_url + "/v1/auth"
            self.users = base_url + "/v1/users"
            self.oauth = base_url + "/v1/oauth"
            self.mfa = base_url + "/v1/mfa"
            self.accounts = base_url + "/v1/accounts"
            self.invites = base_url + "/v1/invites"
            self.membership = base_url + "/v1/membership"
            self.sessions = base_url + "/v1/sessions"
            self.waitlists = base_url + "/v1/waitlists"
            self.health = base_url + "/health"
        else:
            self.auth = base_url + "/cgi-bin/auth.fcgi"
            self.users = base_url + "/cgi-bin/users.fcgi"
            self.oauth = base_url + "/cgi-bin/oauth.fcgi"
            self.mfa = base_url + "/cgi-bin/mfa.fcgi"
            self.accounts = base_url + "/cgi-bin/accounts.fcgi/accounts"
            self.invites = base_url + "/cgi-bin/accounts.fcgi/invites"
            self.membership = base_url + "/cgi-bin/accounts.fcgi/membership"
            self.sessions = base_url + "/cgi-bin/sessions.fcgi"
            self.waitlists = base_url + "/cgi-bin/waitlists.fcgi"
            self.health = base_url + "/cgi-bin/meta.fcgi/health"
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


def run_browser(script, *args):
    """Runs tests/browser/<script> (playwright-core driving headless
    Chromium) with args, after the screenshot directory; returns the JSON
    object it printed last, with "shots" (the directory) added. A missing
    Chromium, node or npm install FAILS the test: ./dev test installs
    them."""
    here = os.path.dirname(os.path.abspath(__file__))
    js = os.path.join(here, "..", "browser", script)
    for need in ("/usr/bin/chromium", shutil.which("node")):
        if not need or not os.path.exists(need):
            pytest.fail("chromium and node are needed (./dev test installs "
                        "them): missing %s" % need, pytrace=False)
    if not os.path.isdir(os.path.join(os.path.dirname(js), "node_modules",
                                      "playwright-core")):
        pytest.fail("run `npm install` in tests/browser (./dev test does)",
                    pytrace=False)
    shots = os.environ.get("GATEHOUSE_ARTIFACTS") or tempfile.mkdtemp()
    os.makedirs(shots, exist_ok=True)
    r = subprocess.run(["node", js, *args[:1], shots, *args[1:]],
                       capture_output=True, timeout=120)
    assert r.returncode == 0, r.stderr.decode("utf-8", "replace")[-3000:]
    out = json.loads(r.stdout.decode().strip().splitlines()[-1])
    out["shots"] = shots
    return out


def set_cookie(r, name):
    """The Set-Cookie line of one cookie (a response may set several:
    the session and the device cookie); "" when it sets none of that name,
    with or without the __Host- prefix."""
    for line in r.raw.headers.getlist("Set-Cookie"):
        n = line.split("=", 1)[0]
        if n in (name, "__Host-" + name):
            return line
    return ""


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
