"""The gatehouse admin command, run as built against temporary data dirs.

Run with: /usr/bin/python3 -m pytest tests/cli
The binary is $GATEHOUSE_BIN, or src/cli/gatehouse in the source tree two
levels up. Each test gets its own data directory and configuration.
"""

import os
import pty
import select
import signal
import sqlite3
import stat
import subprocess
import time
import uuid

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
BIN = os.environ.get("GATEHOUSE_BIN",
                     os.path.join(ROOT, "src", "cli", "gatehouse"))
DEFAULT_APP = "00000000-0000-7000-8000-000000000000"
PASSWORD = "correct horse battery"


class Gatehouse:
    def __init__(self, tmp):
        self.tmp = tmp
        self.data = os.path.join(tmp, "data")
        self.conf = os.path.join(tmp, "gatehouse.conf")
        with open(self.conf, "w") as f:
            f.write("data_dir = %s\nargon2_opslimit = 1\n"
                    "argon2_memlimit_kib = 64\n" % self.data)
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith("GATEHOUSE_")}
        self.env["GATEHOUSE_CONFIG"] = self.conf

    @property
    def db_path(self):
        return os.path.join(self.data, "gatehouse.db")

    @property
    def key_path(self):
        return os.path.join(self.data, "secret.key")

    def run(self, *args, input=None, env=None):
        e = dict(self.env)
        e.update(env or {})
        return subprocess.run([BIN, *args], input=input,
                              capture_output=True, text=True, env=e,
                              timeout=60)

    def ok(self, *args, **kw):
        r = self.run(*args, **kw)
        assert r.returncode == 0, r.stderr
        return r

    def add(self, email, *args, password=PASSWORD):
        return self.run("user", "add", email, "--password-stdin", *args,
                        input=password + "\n")

    def add_ok(self, email, *args):
        r = self.add(email, *args)
        assert r.returncode == 0, r.stderr
        return r.stdout.strip()

    def sql(self, query, params=()):
        con = sqlite3.connect(self.db_path)
        try:
            rows = con.execute(query, params).fetchall()
            con.commit()
            return rows
        finally:
            con.close()

    def add_session(self, user_id):
        sid = str(uuid.uuid4())
        self.sql("INSERT INTO sessions (id, user_id, application_id,"
                 " created_at) VALUES (?, ?, ?, ?)",
                 (sid, user_id, DEFAULT_APP, int(time.time())))
        return sid

    def revoked(self, session_id):
        return self.sql("SELECT revoked_at FROM sessions WHERE id = ?",
                        (session_id,))[0][0]


@pytest.fixture(scope="session", autouse=True)
def built():
    if not os.access(BIN, os.X_OK):
        pytest.fail("%s is not built: run make" % BIN, pytrace=False)


@pytest.fixture
def gh(tmp_path):
    return Gatehouse(str(tmp_path))


@pytest.fixture
def ready(gh):
    gh.ok("init")
    return gh


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


# --- init --------------------------------------------------------------------

def test_init_creates_owner_only_files(gh):
    gh.ok("init")
    assert mode(gh.data) == 0o700
    assert mode(gh.key_path) == 0o600
    assert mode(gh.db_path) == 0o600


def test_init_creates_the_database_0600_under_a_loose_umask(gh):
    r = subprocess.run(["sh", "-c", 'umask 000 && exec "$0" init', BIN],
                       capture_output=True, text=True, env=gh.env)
    assert r.returncode == 0, r.stderr
    assert mode(gh.db_path) == 0o600


def test_init_is_idempotent(gh):
    gh.ok("init")
    with open(gh.key_path, "rb") as f:
        key = f.read()
    gh.ok("init")
    with open(gh.key_path, "rb") as f:
        assert f.read() == key
    assert gh.sql("SELECT count(*) FROM signing_keys") == [(1,)]


# --- user add and list -------------------------------------------------------

def test_user_add_prints_the_id_and_list_shows_it(ready):
    uid = ready.add_ok("Ada@Example.com", "--username", "ada")
    lines = ready.ok("user", "list").stdout.splitlines()
    assert lines[0] == "id\tusername\tstatus\temail\tcreated_at"
    assert len(lines) == 2
    f = lines[1].split("\t")
    assert f[:4] == [uid, "ada", "active", "Ada@Example.com"]
    assert time.strptime(f[4], "%Y-%m-%dT%H:%M:%SZ")


def test_user_add_stores_an_argon2id_hash(ready):
    uid = ready.add_ok("ada@example.com")
    (h,), = ready.sql("SELECT hash FROM passwords WHERE user_id = ?", (uid,))
    assert h.startswith("$argon2id$") and PASSWORD not in h


def test_user_add_sets_the_display_name(ready):
    uid = ready.add_ok("ada@example.com", "--display-name", "Ada L")
    assert ready.sql("SELECT display_name FROM users WHERE id = ?",
                     (uid,)) == [("Ada L",)]


def test_user_add_duplicate_email_is_refused_and_adds_nothing(ready):
    ready.add_ok("ada@example.com")
    r = ready.add("ADA@example.com")
    assert r.returncode == 1
    assert "an account with this email exists" in r.stderr
    assert ready.sql("SELECT count(*) FROM users") == [(1,)]


def test_user_add_duplicate_username_is_refused(ready):
    ready.add_ok("ada@example.com", "--username", "ada")
    r = ready.add("bob@example.com", "--username", "ADA")
    assert r.returncode == 1 and "username is taken" in r.stderr
    assert ready.sql("SELECT count(*) FROM users") == [(1,)]


def test_user_add_bad_email_is_refused(ready):
    r = ready.add("not-an-email")
    assert r.returncode == 1 and "not a valid email" in r.stderr
    assert ready.sql("SELECT count(*) FROM users") == [(0,)]


def test_user_add_bad_username_is_refused(ready):
    r = ready.add("ada@example.com", "--username", "1ada")
    assert r.returncode == 1 and "username" in r.stderr
    assert ready.sql("SELECT count(*) FROM users") == [(0,)]


def test_user_add_short_password_is_refused(ready):
    r = ready.add("ada@example.com", password="1234567")
    assert r.returncode == 1 and "8 to 128" in r.stderr
    assert ready.sql("SELECT count(*) FROM users") == [(0,)]


def test_user_add_counts_code_points_not_bytes(ready):
    # Eight code points in 16 bytes: long enough.
    r = ready.add("ada@example.com", password="\u00e9" * 8)
    assert r.returncode == 0, r.stderr


def test_user_add_password_over_128_code_points_is_refused(ready):
    r = ready.add("ada@example.com", password="x" * 129)
    assert r.returncode == 1 and "8 to 128" in r.stderr
    assert ready.sql("SELECT count(*) FROM users") == [(0,)]


@pytest.mark.parametrize("pw", ["ada.lovelace@example.com",
                                "my-ADA.LOVELACE@EXAMPLE.COM-1",
                                "xx-ada.lovelace-xx", "Lovelace1815!"])
def test_user_add_password_about_the_account_is_refused(ready, pw):
    r = ready.add("ada.lovelace@example.com", "--username", "lovelace",
                  password=pw)
    assert r.returncode == 1, r.stderr
    assert "must not contain the email or username" in r.stderr
    assert ready.sql("SELECT count(*) FROM users") == [(0,)]


def test_user_add_empty_stdin_is_refused(ready):
    r = ready.run("user", "add", "ada@example.com", "--password-stdin",
                  input="")
    assert r.returncode == 1 and "no password" in r.stderr


def test_user_add_without_a_terminal_needs_password_stdin(ready):
    r = ready.run("user", "add", "ada@example.com", input=PASSWORD + "\n")
    assert r.returncode == 2 and "--password-stdin" in r.stderr
    assert ready.sql("SELECT count(*) FROM users") == [(0,)]


def _on_a_terminal(gh, args, answers):
    """Runs the command on a pseudo-terminal, typing each answer after the
    next "Password" prompt; returns (everything shown, exit status)."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(BIN, [BIN, *args], gh.env)
    shown = b""
    answers = list(answers)
    given = 0
    try:
        while True:
            ready, _, _ = select.select([fd], [], [], 30)
            assert ready, "no output for 30 s: %r" % shown
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # EIO: the child has gone
                break
            if not chunk:
                break
            shown += chunk
            if given < len(answers) and shown.count(b"Password") > given:
                os.write(fd, answers[given].encode() + b"\n")
                given += 1
    except BaseException:
        os.kill(pid, signal.SIGKILL)  # do not leave it waiting for input
        raise
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    return shown.decode(), os.waitstatus_to_exitcode(status)


def test_user_add_asks_twice_on_a_terminal_without_echo(ready):
    shown, rc = _on_a_terminal(ready, ["user", "add", "ada@example.com"],
                               [PASSWORD, PASSWORD])
    assert rc == 0, shown
    assert shown.count("Password") == 2
    assert PASSWORD not in shown
    assert ready.sql("SELECT count(*) FROM users") == [(1,)]


def test_user_add_refuses_two_different_answers(ready):
    shown, rc = _on_a_terminal(ready, ["user", "add", "ada@example.com"],
                               [PASSWORD, PASSWORD + "x"])
    assert rc == 1 and "do not match" in shown
    assert ready.sql("SELECT count(*) FROM users") == [(0,)]


def test_user_add_before_init_fails_clearly(gh):
    r = gh.add("ada@example.com")
    assert r.returncode == 1 and "gatehouse init" in r.stderr


def test_user_list_pages_with_after(ready):
    ids = [ready.add_ok("u%d@example.com" % i) for i in range(3)]
    first = ready.ok("user", "list", "--limit", "2").stdout.splitlines()
    assert [line.split("\t")[0] for line in first[1:]] == ids[:2]
    rest = ready.ok("user", "list", "--after", ids[1]).stdout.splitlines()
    assert [line.split("\t")[0] for line in rest[1:]] == ids[2:]


def test_user_list_refuses_a_bad_limit(ready):
    assert ready.run("user", "list", "--limit", "0").returncode == 2


# --- disable, enable, sessions -----------------------------------------------

def test_disable_revokes_every_session_of_the_user(ready):
    uid = ready.add_ok("ada@example.com")
    s1, s2 = ready.add_session(uid), ready.add_session(uid)
    r = ready.ok("user", "disable", uid)
    assert "2 sessions revoked" in r.stdout
    assert ready.revoked(s1) is not None and ready.revoked(s2) is not None


def test_disable_sets_status_disabled(ready):
    uid = ready.add_ok("ada@example.com", "--username", "ada")
    ready.ok("user", "disable", "ada")
    assert ready.sql("SELECT status FROM users WHERE id = ?",
                     (uid,)) == [("disabled",)]


def test_disable_leaves_other_users_sessions_alone(ready):
    ada = ready.add_ok("ada@example.com")
    bob = ready.add_ok("bob@example.com")
    s = ready.add_session(bob)
    ready.ok("user", "disable", ada)
    assert ready.revoked(s) is None


def test_disable_writes_an_action_log_row(ready):
    uid = ready.add_ok("ada@example.com")
    ready.ok("user", "disable", "ADA@example.com")
    assert ready.sql("SELECT user_id FROM action_logs"
                     " WHERE action = 'user_disabled'") == [(uid,)]


def test_enable_sets_status_active_and_logs(ready):
    uid = ready.add_ok("ada@example.com")
    ready.ok("user", "disable", uid)
    ready.ok("user", "enable", uid)
    assert ready.sql("SELECT status FROM users WHERE id = ?",
                     (uid,)) == [("active",)]
    assert ready.sql("SELECT user_id FROM action_logs"
                     " WHERE action = 'user_enabled'") == [(uid,)]


def test_disable_unknown_user_fails(ready):
    r = ready.run("user", "disable", "nobody@example.com")
    assert r.returncode == 1 and "no such user" in r.stderr


def test_sessions_revoke_prints_how_many(ready):
    uid = ready.add_ok("ada@example.com")
    done = ready.add_session(uid)
    ready.sql("UPDATE sessions SET revoked_at = 1 WHERE id = ?", (done,))
    live = [ready.add_session(uid) for _ in range(3)]
    r = ready.ok("sessions", "revoke", "--user", "ada@example.com")
    assert r.stdout.strip() == "3 sessions revoked"
    assert all(ready.revoked(s) is not None for s in live)
    assert ready.revoked(done) == 1


def test_sessions_revoke_needs_user(ready):
    assert ready.run("sessions", "revoke").returncode == 2


# --- keys --------------------------------------------------------------------

def test_keys_rotate_adds_a_key_and_retires_the_old_one_later(ready):
    (old,), = ready.sql("SELECT kid FROM signing_keys")
    before = int(time.time())
    ready.ok("keys", "rotate")
    rows = dict(ready.sql("SELECT kid, retired_at FROM signing_keys"))
    assert len(rows) == 2
    new = next(k for k in rows if k != old)
    assert rows[new] is None
    # access_ttl (900) + key_reload_interval (60) by default
    assert before + 900 < rows[old] <= int(time.time()) + 960


# --- check -------------------------------------------------------------------

def test_check_passes_on_a_fresh_init(ready):
    r = ready.run("check")
    assert r.returncode == 0, r.stdout
    assert "FAIL" not in r.stdout
    assert all(line.startswith("ok ") for line in r.stdout.splitlines())


def test_check_fails_on_a_world_readable_secret_key(ready):
    os.chmod(ready.key_path, 0o644)
    r = ready.run("check")
    assert r.returncode == 1
    assert any(line.startswith("FAIL") and "secret key" in line
               for line in r.stdout.splitlines())


def test_check_fails_on_a_group_writable_database(ready):
    os.chmod(ready.db_path, 0o660)
    r = ready.run("check")
    assert r.returncode == 1 and "FAIL database" in r.stdout


def test_check_allows_a_group_readable_database(ready):
    os.chmod(ready.db_path, 0o640)
    assert ready.run("check").returncode == 0


def test_check_fails_inside_a_document_root(ready):
    r = ready.run("check", "--document-root", os.path.dirname(ready.data))
    assert r.returncode == 1
    assert "inside document root" in r.stdout


def test_check_passes_outside_a_document_root(ready, tmp_path_factory):
    other = str(tmp_path_factory.mktemp("htdocs"))
    r = ready.run("check", "--document-root", other)
    assert r.returncode == 0, r.stdout


def test_check_reads_the_document_root_from_the_environment(ready):
    r = ready.run("check", env={
        "GATEHOUSE_DOCUMENT_ROOT": "/nonexistent-a:" + ready.data})
    assert r.returncode == 1 and "inside document root" in r.stdout


def test_check_fails_before_init(gh):
    r = gh.run("check")
    assert r.returncode == 1 and "FAIL" in r.stdout


# --- usage -------------------------------------------------------------------

HELP = [
    [], ["init"], ["migrate"], ["check"], ["user"], ["user", "add"],
    ["user", "list"], ["user", "disable"], ["user", "enable"],
    ["sessions"], ["sessions", "revoke"], ["keys"], ["keys", "rotate"],
    ["outbox"], ["outbox", "flush"], ["secret"], ["secret", "seal"],
    ["user", "tier"],
]


@pytest.mark.parametrize("words", HELP, ids=lambda w: " ".join(w) or "-")
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_prints_usage_and_exits_0(gh, words, flag):
    # No configuration needed: help works before anything is set up.
    r = gh.run(*words, flag, env={"GATEHOUSE_CONFIG": "/nonexistent"})
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("usage: gatehouse")
    assert r.stderr == ""


@pytest.mark.parametrize("words", [
    [], ["frob"], ["user"], ["user", "frob"], ["keys", "frob"],
    ["user", "add"], ["user", "disable"], ["init", "extra"],
    ["user", "list", "--bogus"], ["--bogus"],
], ids=lambda w: " ".join(w) or "-")
def test_wrong_usage_exits_2_with_usage_on_stderr(gh, words):
    r = gh.run(*words)
    assert r.returncode == 2
    assert "usage: gatehouse" in r.stderr
    assert r.stdout == ""


# --- secret seal -------------------------------------------------------------

def test_secret_seal_prints_a_sealed_value(gh):
    gh.ok("init")
    a = gh.ok("secret", "seal", input="s3cret-value\n").stdout.strip()
    b = gh.ok("secret", "seal", input="s3cret-value\n").stdout.strip()
    assert a.startswith("sealed:") and b.startswith("sealed:")
    assert "s3cret" not in a and a != b     # a fresh nonce each time
    # The programs open it with the same key: a configuration holding it
    # loads (the provider's secret is opened when a sign-in needs it).
    with open(gh.conf, "a") as f:
        f.write("oauth_providers = corp\noauth_corp_issuer = https://i.example\n"
                "oauth_corp_client_id = c\noauth_corp_client_secret = %s\n" % a)
    assert gh.run("check").returncode == 0


def test_secret_seal_needs_the_key_and_a_line(gh):
    r = gh.run("secret", "seal", input="x\n")
    assert r.returncode == 1 and "secret key" in r.stderr
    gh.ok("init")
    r = gh.run("secret", "seal", input="")
    assert r.returncode == 1 and r.stdout == ""
    r = gh.run("secret", "seal", "extra", input="x\n")
    assert r.returncode == 2


# --- user tier ---------------------------------------------------------------

def test_user_tier_sets_and_resets(gh):
    with open(gh.conf, "a") as f:
        f.write("membership_tiers = free pro\nmembership_tier_pro = a:b\n")
    gh.ok("init")
    gh.add("tier@example.com")
    r = gh.ok("user", "tier", "tier@example.com", "pro")
    assert '"tier":"pro"' in r.stdout and '"capabilities":["a:b"]' in r.stdout
    r = gh.run("user", "tier", "tier@example.com", "gold")
    assert r.returncode == 1 and "no tier gold" in r.stderr
    r = gh.run("user", "tier", "nobody@example.com", "pro")
    assert r.returncode == 1
    r = gh.ok("user", "tier", "tier@example.com", "free")
    assert '"status":"none"' in r.stdout
    assert gh.run("user", "tier", "tier@example.com").returncode == 2


# --- invite create -----------------------------------------------------------

def test_invite_create_prints_the_code_once(gh):
    import base64
    import hashlib
    import json
    gh.ok("init")
    uid = gh.add_ok("inviter@example.com")
    acct = gh.sql("SELECT account_id FROM memberships WHERE user_id = ?",
                  (uid,))[0][0]
    r = gh.ok("invite", "create", "--from", "inviter@example.com", "--type",
              "account", "--target", acct, "--role", "viewer",
              "--max-uses", "3", "--expires-in", "3600")
    inv = json.loads(r.stdout)
    assert inv["type"] == "account" and inv["role"] == "viewer"
    assert inv["max_uses"] == 3 and inv["target_id"] == acct
    assert inv["url"].endswith("/v1/invites/" + inv["code"])
    # Only the code's SHA-256 is kept.
    raw = base64.urlsafe_b64decode(inv["code"] + "=")
    rows = gh.sql("SELECT code_hash, creator_id FROM invites WHERE id = ?",
                  (inv["id"],))
    assert rows == [(hashlib.sha256(raw).digest(), uid)]
    assert gh.sql("SELECT count(*) FROM action_logs WHERE action = "
                  "'invite_created' AND user_id = ?", (uid,)) == [(1,)]
    r = gh.ok("invite", "create", "-f", uid, "-t", "friend",
              "--max-uses", "0")
    assert json.loads(r.stdout)["max_uses"] is None


def test_invite_create_refusals(gh):
    gh.ok("init")
    gh.add_ok("a@example.com")
    other = gh.add_ok("b@example.com")
    acct = gh.sql("SELECT account_id FROM memberships WHERE user_id = ?",
                  (other,))[0][0]
    r = gh.run("invite", "create", "-f", "a@example.com", "-t", "account",
               "--target", acct)
    assert r.returncode == 1 and "not a member" in r.stderr
    r = gh.run("invite", "create", "-f", "a@example.com", "-t", "membership")
    assert r.returncode == 1 and "forbidden" in r.stderr
    r = gh.run("invite", "create", "-f", "a@example.com", "-t", "club")
    assert r.returncode == 1 and "invalid_type" in r.stderr
    assert gh.run("invite", "create", "-t", "friend").returncode == 2
    r = gh.run("invite", "create", "-f", "a@example.com", "-t", "friend",
               "--max-uses", "10001")
    assert r.returncode == 2 and "--max-uses" in r.stderr
    r = gh.run("invite", "create", "-f", "nobody@example.com", "-t", "friend")
    assert r.returncode == 1
    assert gh.sql("SELECT count(*) FROM invites") == [(0,)]
