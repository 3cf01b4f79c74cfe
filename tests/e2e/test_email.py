"""Email flows through a real SMTP server (docs/email.md): Debian's
aiosmtpd listens on 127.0.0.1; the tests read what it received and follow
the links exactly as a user would. Address verification and password
reset; tokens expired, reused, of another purpose, tampered and voided by
a newer one; SMTP down then up; enumeration; header injection."""

import contextlib
import email
import email.policy
import re
import statistics
import subprocess
import threading
import time
import urllib.parse

import pytest
import requests

import ghlib
from ghlib import (TIMEOUT, assert_problem, free_port, unique_email,
                   unique_password)

from aiosmtpd.controller import Controller


class Inbox:
    """What the SMTP server received: (envelope recipients, message)."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content,
                                       policy=email.policy.default)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), msg))
        return "250 OK"

    def wait_for(self, to, subject_part, timeout=10.0, after=0):
        """The first message to `to` whose subject has subject_part, among
        those received after index `after`."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self.lock:
                for rcpt, msg in self.messages[after:]:
                    if to in rcpt and subject_part in msg["Subject"]:
                        return msg
            time.sleep(0.05)
        raise AssertionError("no message %r to %s within %.0f s" %
                             (subject_part, to, timeout))

    def count(self, to):
        with self.lock:
            return sum(1 for rcpt, _ in self.messages if to in rcpt)

    def mark(self):
        with self.lock:
            return len(self.messages)


class Smtp:
    def __init__(self):
        self.port = free_port()
        self.inbox = Inbox()
        self.controller = None

    def start(self):
        self.controller = Controller(self.inbox, hostname="127.0.0.1",
                                     port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture(scope="module")
def smtp():
    s = Smtp()
    s.start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def srv(root, smtp):
    port = free_port()
    settings = {"smtp_url": "smtp://127.0.0.1:%d" % smtp.port,
                "public_url": "http://127.0.0.1:%d" % port,
                "mail_from": "Gatehouse Tests <auth@example.org>",
                "smtp_timeout_ms": 2000, "email_cooldown": 0}
    with ghlib.running_server(root, settings=settings, port=port) as s:
        yield s


def api(srv, path):
    return srv.base_url + "/v1/auth" + path


def text_part(msg):
    return msg.get_body(preferencelist=("plain",)).get_content()


def link_in(msg):
    m = re.search(r"(http://\S+\?token=[A-Za-z0-9_-]{43})", text_part(msg))
    assert m, text_part(msg)
    return m.group(1)


def token_of(link):
    return urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)["token"][0]


def sign_up(srv, addr=None, pw=None):
    addr, pw = addr or unique_email("mail"), pw or unique_password()
    r = requests.post(api(srv, "/sign-up"), json={"email": addr,
                                                  "password": pw},
                      timeout=TIMEOUT)
    assert r.status_code == 201, r.text
    return addr, pw, r.json()


def db(srv, sql, *args):
    return srv.query(sql, *args)


# -- verification ---------------------------------------------------------

def test_sign_up_sends_a_verification_link_that_works_once(srv, smtp):
    addr, _, body = sign_up(srv)
    assert body["profile"]["credentials"][0]["email_verified_at"] is None
    msg = smtp.inbox.wait_for(addr, "Confirm your email")
    assert msg["From"] == "Gatehouse Tests <auth@example.org>"
    assert msg["To"] == addr
    html = msg.get_body(preferencelist=("html",)).get_content()
    link = link_in(msg)
    assert link.startswith(srv.base_url + "/v1/auth/verify?token=")
    assert 'href="%s"' % link in html
    r = requests.get(link, timeout=TIMEOUT, allow_redirects=False)
    assert r.status_code == 303, r.text
    assert r.headers["Location"].endswith("/ui/verified?status=verified")
    me = requests.post(api(srv, "/sign-in"), timeout=TIMEOUT, json={
        "email": addr, "password": _}).json()["profile"]
    assert me["credentials"][0]["email_verified_at"] is not None
    # Once only.
    r = requests.get(link, timeout=TIMEOUT, allow_redirects=False)
    assert r.headers["Location"].endswith("/ui/verified?status=invalid")


def test_verify_by_api_and_bad_tokens(srv, smtp):
    addr, pw, _ = sign_up(srv)
    tok = token_of(link_in(smtp.inbox.wait_for(addr, "Confirm your email")))
    before = srv.db_snapshot()
    for bad in (tok[:-1] + ("A" if tok[-1] != "A" else "B"), "short", "",
                tok + "x"):
        r = requests.post(api(srv, "/verify"), json={"token": bad},
                          timeout=TIMEOUT)
        if bad == "":
            assert_problem(r, 400, "validation_failed")
        else:
            assert_problem(r, 400, "invalid_token")
    assert srv.db_snapshot() == before
    r = requests.post(api(srv, "/verify"), json={"token": tok},
                      timeout=TIMEOUT)
    assert r.status_code == 204, r.text
    r = requests.post(api(srv, "/verify"), json={"token": tok},
                      timeout=TIMEOUT)
    assert_problem(r, 400, "invalid_token")


def test_expired_verification_link(srv, smtp):
    addr, _, body = sign_up(srv)
    tok = token_of(link_in(smtp.inbox.wait_for(addr, "Confirm your email")))
    db(srv, "UPDATE one_time_tokens SET expires_at = 1 WHERE user_id = ?",
       body["profile"]["id"])
    r = requests.post(api(srv, "/verify"), json={"token": tok},
                      timeout=TIMEOUT)
    assert_problem(r, 400, "token_expired")
    r = requests.get(api(srv, "/verify?token=" + tok), timeout=TIMEOUT,
                     allow_redirects=False)
    assert r.headers["Location"].endswith("status=expired")


def test_resend_voids_the_older_link(srv, smtp):
    addr, _, body = sign_up(srv)
    first = token_of(link_in(smtp.inbox.wait_for(addr, "Confirm your email")))
    mark = smtp.inbox.mark()
    access = body["tokens"]["access_token"]
    r = requests.post(api(srv, "/send-email-verification"), timeout=TIMEOUT,
                      headers={"Authorization": "Bearer " + access})
    assert r.status_code == 204, r.text
    second = token_of(link_in(smtp.inbox.wait_for(addr, "Confirm your email",
                                                  after=mark)))
    assert second != first
    assert_problem(requests.post(api(srv, "/verify"), json={"token": first},
                                 timeout=TIMEOUT), 400, "invalid_token")
    assert requests.post(api(srv, "/verify"), json={"token": second},
                         timeout=TIMEOUT).status_code == 204
    # Verified: asking again sends nothing.
    n = smtp.inbox.count(addr)
    r = requests.post(api(srv, "/send-email-verification"), timeout=TIMEOUT,
                      headers={"Authorization": "Bearer " + access})
    assert r.status_code == 204
    time.sleep(0.5)
    assert smtp.inbox.count(addr) == n


def test_send_verification_needs_a_session_and_a_valid_body(srv):
    r = requests.post(api(srv, "/send-email-verification"), timeout=TIMEOUT)
    assert_problem(r, 401, "unauthorized")
    _, _, body = sign_up(srv)
    h = {"Authorization": "Bearer " + body["tokens"]["access_token"]}
    r = requests.post(api(srv, "/send-email-verification"), timeout=TIMEOUT,
                      headers=h, json={"email_id": 5})
    assert_problem(r, 400, "validation_failed", [("email_id", "type")])
    r = requests.post(api(srv, "/send-email-verification"), timeout=TIMEOUT,
                      headers=h, json={"email_id": "0" * 36})
    assert_problem(r, 404, "not_found")
    r = requests.post(api(srv, "/send-email-verification"), timeout=TIMEOUT,
                      headers=h, json={"extra": 1})
    assert_problem(r, 400, "validation_failed", [("extra", "unknown")])


# -- password reset ---------------------------------------------------------

def reset_link(srv, smtp, addr):
    mark = smtp.inbox.mark()
    r = requests.post(api(srv, "/send-password-reset"), json={"email": addr},
                      timeout=TIMEOUT)
    assert r.status_code == 204, r.text
    return link_in(smtp.inbox.wait_for(addr, "Reset your", after=mark))


def test_reset_password_signs_out_everywhere(srv, smtp):
    addr, pw, body = sign_up(srv)
    old_access = body["tokens"]["access_token"]
    link = reset_link(srv, smtp, addr)
    assert link.startswith(srv.base_url + "/ui/reset-password?token=")
    tok, new_pw = token_of(link), unique_password()
    r = requests.post(api(srv, "/reset-password"), timeout=TIMEOUT,
                      json={"token": tok, "new_password": new_pw})
    assert r.status_code == 204, r.text
    r = requests.get(api(srv, "/me"), timeout=TIMEOUT,
                     headers={"Authorization": "Bearer " + old_access})
    assert_problem(r, 401, "session_revoked")
    assert_problem(requests.post(api(srv, "/sign-in"), timeout=TIMEOUT,
                                 json={"email": addr, "password": pw}),
                   401, "invalid_credentials")
    assert requests.post(api(srv, "/sign-in"), timeout=TIMEOUT, json={
        "email": addr, "password": new_pw}).status_code == 200
    # The link worked once.
    r = requests.post(api(srv, "/reset-password"), timeout=TIMEOUT,
                      json={"token": tok, "new_password": unique_password()})
    assert_problem(r, 400, "invalid_token")


def test_newer_reset_voids_older_and_refused_password_keeps_link(srv, smtp):
    addr, _, _ = sign_up(srv)
    older = token_of(reset_link(srv, smtp, addr))
    newer = token_of(reset_link(srv, smtp, addr))
    r = requests.post(api(srv, "/reset-password"), timeout=TIMEOUT,
                      json={"token": older, "new_password": unique_password()})
    assert_problem(r, 400, "invalid_token")
    before = srv.db_snapshot()
    r = requests.post(api(srv, "/reset-password"), timeout=TIMEOUT,
                      json={"token": newer, "new_password": "short"})
    assert_problem(r, 400, "validation_failed", [("new_password", "length")])
    r = requests.post(api(srv, "/reset-password"), timeout=TIMEOUT,
                      json={"token": newer, "new_password": addr})
    assert_problem(r, 400, "validation_failed",
                   [("new_password", "contains_identifier")])
    assert srv.db_snapshot() == before
    r = requests.post(api(srv, "/reset-password"), timeout=TIMEOUT,
                      json={"token": newer, "new_password": unique_password()})
    assert r.status_code == 204, r.text


def test_tokens_of_one_purpose_do_not_serve_another(srv, smtp):
    addr, _, _ = sign_up(srv)
    verify_tok = token_of(link_in(smtp.inbox.wait_for(addr,
                                                      "Confirm your email")))
    reset_tok = token_of(reset_link(srv, smtp, addr))
    r = requests.post(api(srv, "/reset-password"), timeout=TIMEOUT,
                      json={"token": verify_tok,
                            "new_password": unique_password()})
    assert_problem(r, 400, "invalid_token")
    r = requests.post(api(srv, "/verify"), json={"token": reset_tok},
                      timeout=TIMEOUT)
    assert_problem(r, 400, "invalid_token")


def test_expired_reset_link(srv, smtp):
    addr, _, body = sign_up(srv)
    tok = token_of(reset_link(srv, smtp, addr))
    db(srv, "UPDATE one_time_tokens SET expires_at = 1 WHERE user_id = ? "
       "AND purpose = 'reset_password'", body["profile"]["id"])
    r = requests.post(api(srv, "/reset-password"), timeout=TIMEOUT,
                      json={"token": tok, "new_password": unique_password()})
    assert_problem(r, 400, "token_expired")


def test_reset_clears_a_sign_in_lock(srv, smtp):
    addr, _, _ = sign_up(srv)
    # The suite's backoff threshold is high: lock the address directly.
    for _ in range(3):
        requests.post(api(srv, "/sign-in"), timeout=TIMEOUT,
                      json={"email": addr, "password": unique_password()})
    assert db(srv, "SELECT count(*) FROM sign_in_failures")[0][0] >= 1
    n = db(srv, "SELECT count(*) FROM sign_in_failures")[0][0]
    tok, new_pw = token_of(reset_link(srv, smtp, addr)), unique_password()
    assert requests.post(api(srv, "/reset-password"), timeout=TIMEOUT, json={
        "token": tok, "new_password": new_pw}).status_code == 204
    assert db(srv, "SELECT count(*) FROM sign_in_failures")[0][0] == n - 1


def test_reset_request_for_unknown_email_looks_the_same(srv, smtp):
    known, _, _ = sign_up(srv)
    unknown = unique_email("nobody")
    times = {"known": [], "unknown": []}
    answers = set()
    s = requests.Session()
    for i in range(60):
        for side, addr in (("known", known), ("unknown", unknown)):
            t = time.perf_counter()
            r = s.post(api(srv, "/send-password-reset"), timeout=TIMEOUT,
                       json={"email": addr})
            times[side].append(time.perf_counter() - t)
            answers.add((r.status_code, r.text))
    assert answers == {(204, "")}
    k, u = (statistics.median(times[x]) * 1e3 for x in ("known", "unknown"))
    print("\nsend-password-reset: known median %.2f ms, unknown %.2f ms"
          % (k, u))
    # The unknown address does the same work and rolls it back; doing
    # nothing for it would answer it in about half the time.
    assert abs(k - u) < max(0.75, 0.3 * max(k, u)), (k, u)
    time.sleep(0.5)
    assert smtp.inbox.count(unknown) == 0
    assert db(srv, "SELECT count(*) FROM outbox WHERE to_addr = ?",
              unknown)[0][0] == 0


@pytest.mark.parametrize("addr", ["a@example.com\r\nBcc: x@example.com",
                                  "a@example.com\nBcc: x@example.com",
                                  "a\r@example.com"])
def test_header_injection_in_addresses_refused(srv, addr):
    before = srv.db_snapshot()
    r = requests.post(api(srv, "/send-password-reset"), json={"email": addr},
                      timeout=TIMEOUT)
    assert_problem(r, 400, "validation_failed", [("email", "format")])
    r = requests.post(api(srv, "/sign-up"), timeout=TIMEOUT, json={
        "email": addr, "password": unique_password()})
    assert_problem(r, 400, "validation_failed", [("email", "format")])
    r = requests.post(api(srv, "/sign-up"), timeout=TIMEOUT, json={
        "email": unique_email("inj"), "password": unique_password(),
        "display_name": "Eve\r\nBcc: x@example.com"})
    assert_problem(r, 400, "validation_failed", [("display_name", "format")])
    assert srv.db_snapshot() == before


# -- delivery --------------------------------------------------------------

def test_smtp_down_then_up_nothing_lost(srv, smtp):
    smtp.stop()
    try:
        t = time.monotonic()
        addr, _, _ = sign_up(srv)
        # The answer did not wait for the mail server.
        assert time.monotonic() - t < 1.5
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            rows = db(srv, "SELECT attempts, last_error, sent_at FROM outbox"
                      " WHERE to_addr = ?", addr)
            if rows and rows[0][0] >= 1 and rows[0][1]:
                break
            time.sleep(0.1)
        assert rows and rows[0][2] is None and rows[0][1], rows
    finally:
        smtp.start()
    # Make it due now, as cron would find it after its retry time.
    db(srv, "UPDATE outbox SET next_attempt_at = 0 WHERE to_addr = ?", addr)
    cli = srv.root + "/src/cli/gatehouse"
    r = subprocess.run([cli, "outbox", "flush"], timeout=60,
                       env=ghlib.clean_env(GATEHOUSE_CONFIG=srv.conf_path),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    assert r.returncode == 0, r.stderr
    assert re.match(r"[1-9]\d* sent, 0 failed", r.stdout), r.stdout
    msg = smtp.inbox.wait_for(addr, "Confirm your email")
    assert link_in(msg)
    rows = db(srv, "SELECT sent_at, message FROM outbox WHERE to_addr = ?",
              addr)
    assert rows[0][0] is not None and rows[0][1] == ""  # the link is gone


def test_cooldown_per_address(root, smtp):
    settings = {"smtp_url": "smtp://127.0.0.1:%d" % smtp.port,
                "email_cooldown": 60}
    with ghlib.running_server(root, settings=settings) as s:
        addr = unique_email("cool")
        for status in (204, 429):
            r = requests.post(s.base_url + "/v1/auth/send-password-reset",
                              json={"email": addr}, timeout=TIMEOUT)
            assert r.status_code == status, r.text
        assert 1 <= int(r.headers["Retry-After"]) <= 60
        # Another address is not held back.
        r = requests.post(s.base_url + "/v1/auth/send-password-reset",
                          json={"email": unique_email("cool")},
                          timeout=TIMEOUT)
        assert r.status_code == 204


# -- the hosted pages the links land on -------------------------------------

def page_post(srv, path, data):
    return requests.post(srv.base_url + path, data=data, timeout=TIMEOUT,
                         headers={"Origin": srv.base_url},
                         allow_redirects=False)


def test_forgot_and_reset_pages(srv, smtp):
    addr, pw, _ = sign_up(srv)
    r = requests.get(srv.base_url + "/ui/sign-in", timeout=TIMEOUT)
    assert 'href="/ui/forgot"' in r.text
    r = requests.get(srv.base_url + "/ui/forgot", timeout=TIMEOUT)
    assert r.status_code == 200 and 'action="/ui/forgot"' in r.text
    mark = smtp.inbox.mark()
    known = page_post(srv, "/ui/forgot", {"email": addr})
    unknown = page_post(srv, "/ui/forgot", {"email": unique_email("nobody")})
    assert known.status_code == unknown.status_code == 200
    assert "If an account uses this address" in known.text
    assert known.text == unknown.text   # the address is not even echoed
    link = link_in(smtp.inbox.wait_for(addr, "Reset your", after=mark))
    r = requests.get(link, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    tok = token_of(link)
    assert 'name="token" value="%s"' % tok in r.text
    assert 'autocomplete="new-password"' in r.text
    # A refused password keeps the form and the link.
    r = page_post(srv, "/ui/reset-password", {"token": tok, "password": addr})
    assert r.status_code == 400 and 'role="alert"' in r.text
    assert "does not contain your email" in r.text
    assert 'name="token" value="%s"' % tok in r.text
    new_pw = unique_password()
    r = page_post(srv, "/ui/reset-password", {"token": tok,
                                              "password": new_pw})
    assert r.status_code == 200, r.text
    assert "Your password is changed" in r.text
    assert requests.post(api(srv, "/sign-in"), timeout=TIMEOUT, json={
        "email": addr, "password": new_pw}).status_code == 200
    r = page_post(srv, "/ui/reset-password", {"token": tok,
                                              "password": unique_password()})
    assert r.status_code == 400
    assert "expired or was already used" in r.text
    assert 'href="/ui/forgot"' in r.text


def test_reset_page_refuses_another_site(srv, smtp):
    addr, _, _ = sign_up(srv)
    tok = token_of(reset_link(srv, smtp, addr))
    r = requests.post(srv.base_url + "/ui/reset-password", timeout=TIMEOUT,
                      data={"token": tok, "password": unique_password()},
                      headers={"Origin": "https://evil.example"})
    assert r.status_code == 403
    # The link still works from here.
    r = page_post(srv, "/ui/reset-password", {"token": tok,
                                              "password": unique_password()})
    assert r.status_code == 200


@pytest.mark.parametrize("status, words", [
    ("verified", "Your email address is confirmed"),
    ("expired", "This link has expired"),
    ("invalid", "not valid or was already used"),
    ("<script>", "not valid or was already used"),
])
def test_verified_page(srv, status, words):
    r = requests.get(srv.base_url + "/ui/verified",
                     params={"status": status}, timeout=TIMEOUT)
    assert r.status_code == 200
    assert words in r.text and "<script>" not in r.text


# -- magic links, check-email, login-methods --------------------------------

def magic_link(srv, smtp, addr, **extra):
    mark = smtp.inbox.mark()
    body = {"email": addr}
    body.update(extra)
    r = requests.post(api(srv, "/send-magic-link"), json=body,
                      timeout=TIMEOUT)
    assert r.status_code == 204, r.text
    return link_in(smtp.inbox.wait_for(addr, "sign-in link", after=mark))


def test_magic_link_signs_in_once_by_api(srv, smtp):
    addr, _, _ = sign_up(srv)
    link = magic_link(srv, smtp, addr)
    assert link.startswith(srv.base_url + "/ui/magic?token=")
    tok = token_of(link)
    r = requests.get(api(srv, "/sign-in-with-token"), params={"token": tok},
                     timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["profile"]["credentials"][0]["email"] == addr
    # The link proved the address.
    assert body["profile"]["credentials"][0]["email_verified_at"]
    claims = ghlib.jwt_claims(body["tokens"]["access_token"])
    assert claims["amr"] == ["email"]
    r = requests.get(api(srv, "/sign-in-with-token"), params={"token": tok},
                     timeout=TIMEOUT)
    assert_problem(r, 400, "invalid_token")


def test_magic_link_for_unknown_email_sends_nothing(srv, smtp):
    addr = unique_email("nobody")
    r = requests.post(api(srv, "/send-magic-link"), json={"email": addr},
                      timeout=TIMEOUT)
    assert r.status_code == 204 and r.text == ""
    time.sleep(0.5)
    assert smtp.inbox.count(addr) == 0


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/",
                                    "javascript:alert(1)", "/\\evil",
                                    "https://127.0.0.1.evil.example/",
                                    "http://user@evil.example/"])
def test_magic_link_refuses_open_redirects(srv, target):
    before = srv.db_snapshot()
    r = requests.post(api(srv, "/send-magic-link"), timeout=TIMEOUT,
                      json={"email": unique_email("m"), "redirect_to": target})
    assert_problem(r, 400, "validation_failed",
                   [("redirect_to", "not_allowed")])
    assert srv.db_snapshot() == before


def test_magic_link_page_signs_in_and_goes_on(srv, smtp):
    addr, _, _ = sign_up(srv)
    link = magic_link(srv, smtp, addr, redirect_to="/private/whoami.cgi")
    # Opening the link only shows a button: a mail scanner uses nothing.
    r = requests.get(link, timeout=TIMEOUT)
    assert r.status_code == 200 and 'action="/ui/magic"' in r.text
    tok = token_of(link)
    s = requests.Session()
    r = s.post(srv.base_url + "/ui/magic", data={"token": tok},
               headers={"Origin": srv.base_url}, timeout=TIMEOUT,
               allow_redirects=False)
    assert r.status_code == 303, r.text
    assert r.headers["Location"] == "/private/whoami.cgi"
    session = ghlib.set_cookie(r, "gh_session").split(";", 1)[0]
    assert session
    r = requests.get(srv.base_url + "/private/whoami.cgi", timeout=TIMEOUT,
                     headers={"Cookie": session})
    assert r.status_code == 200 and "GATEHOUSE_EMAIL=%s" % addr in r.text
    r = s.post(srv.base_url + "/ui/magic", data={"token": tok},
               headers={"Origin": srv.base_url}, timeout=TIMEOUT,
               allow_redirects=False)
    assert r.status_code == 400 and "expired or was already used" in r.text


def test_check_email_and_login_methods(srv):
    addr, _, _ = sign_up(srv)
    r = requests.post(api(srv, "/check-email"), json={"email": addr},
                      timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "existing", "preferred": ["password"],
                        "available": ["password", "magic_link"]}
    r = requests.post(api(srv, "/check-email"), timeout=TIMEOUT,
                      json={"email": unique_email("new")})
    assert r.json()["status"] == "new"
    assert_problem(requests.post(api(srv, "/check-email"), timeout=TIMEOUT,
                                 json={"email": "not-an-email"}), 400,
                   "validation_failed", [("email", "format")])
    r = requests.post(api(srv, "/login-methods"), timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    assert [m["type"] for m in r.json()["methods"]] == ["password",
                                                        "magic_link"]
    assert r.json()["providers"] == []
    assert_problem(requests.post(api(srv, "/login-methods"), timeout=TIMEOUT,
                                 json={"client_id": "nope"}), 400,
                   "validation_failed")


def test_check_email_can_be_switched_off(root):
    with ghlib.running_server(root, settings={"check_email": 0}) as s:
        r = requests.post(s.base_url + "/v1/auth/check-email",
                          json={"email": "a@example.com"}, timeout=TIMEOUT)
        assert_problem(r, 404, "not_found")


# -- change of email ----------------------------------------------------------

def change(srv, access, body):
    return requests.post(api(srv, "/change-email"), json=body,
                         timeout=TIMEOUT,
                         headers={"Authorization": "Bearer " + access})


def test_change_email_waits_for_the_new_address(srv, smtp):
    old, pw, body = sign_up(srv)
    access = body["tokens"]["access_token"]
    new = unique_email("moved")
    mark = smtp.inbox.mark()
    r = change(srv, access, {"new_email": new, "password": pw})
    assert r.status_code == 204, r.text
    confirm = smtp.inbox.wait_for(new, "Confirm your new email", after=mark)
    notice = smtp.inbox.wait_for(old, "is being changed", after=mark)
    assert new in text_part(notice) and "?token=" not in text_part(notice)
    # Nothing changed yet.
    assert requests.post(api(srv, "/sign-in"), timeout=TIMEOUT, json={
        "email": old, "password": pw}).status_code == 200
    link = link_in(confirm)
    assert link.startswith(srv.base_url + "/v1/auth/confirm-email-change?")
    r = requests.get(link, timeout=TIMEOUT, allow_redirects=False)
    assert r.headers["Location"].endswith("/ui/verified?status=changed")
    r = requests.post(api(srv, "/sign-in"), timeout=TIMEOUT,
                      json={"email": new, "password": pw})
    assert r.status_code == 200, r.text
    cred = r.json()["profile"]["credentials"][0]
    assert cred["email"] == new and cred["email_verified_at"]
    assert_problem(requests.post(api(srv, "/sign-in"), timeout=TIMEOUT, json={
        "email": old, "password": pw}), 401, "invalid_credentials")
    r = requests.post(api(srv, "/confirm-email-change"), timeout=TIMEOUT,
                      json={"token": token_of(link)})
    assert_problem(r, 400, "invalid_token")


def test_change_email_refusals_change_nothing(srv, smtp):
    old, pw, body = sign_up(srv)
    other, _, _ = sign_up(srv)
    access = body["tokens"]["access_token"]
    before = srv.db_snapshot()
    assert_problem(change(srv, access, {"new_email": unique_email("x"),
                                        "password": "wrong-" + pw}),
                   401, "invalid_credentials")
    assert_problem(change(srv, access, {"new_email": other.upper(),
                                        "password": pw}), 409, "email_taken")
    assert_problem(change(srv, access, {"new_email": "a@b.c\r\nBcc: x@y.z",
                                        "password": pw}),
                   400, "validation_failed", [("new_email", "format")])
    assert_problem(change(srv, access, {"new_email": unique_email("x")}),
                   400, "validation_failed", [("password", "required")])
    r = requests.post(api(srv, "/change-email"), timeout=TIMEOUT,
                      json={"new_email": unique_email("x"), "password": pw})
    assert_problem(r, 401, "unauthorized")
    assert srv.db_snapshot() == before


def test_confirm_when_the_address_was_taken_meanwhile(srv, smtp):
    _, pw, body = sign_up(srv)
    new = unique_email("race")
    mark = smtp.inbox.mark()
    assert change(srv, body["tokens"]["access_token"],
                  {"new_email": new, "password": pw}).status_code == 204
    tok = token_of(link_in(smtp.inbox.wait_for(new, "Confirm your new email",
                                               after=mark)))
    sign_up(srv, addr=new)      # someone takes it first
    r = requests.post(api(srv, "/confirm-email-change"), timeout=TIMEOUT,
                      json={"token": tok})
    assert_problem(r, 409, "email_taken")


# -- email codes ---------------------------------------------------------------

def code_for(srv, smtp, addr):
    mark = smtp.inbox.mark()
    r = requests.post(api(srv, "/email-code/start"), json={"email": addr},
                      timeout=TIMEOUT)
    assert r.status_code == 204, r.text
    msg = smtp.inbox.wait_for(addr, "sign-in code", after=mark)
    m = re.search(r"\b(\d{6})\b", text_part(msg))
    assert m, text_part(msg)
    return m.group(1)


def verify_code(srv, addr, code, **extra):
    body = {"email": addr, "code": code}
    body.update(extra)
    return requests.post(api(srv, "/email-code/verify"), json=body,
                         timeout=TIMEOUT)


def test_email_code_signs_in_a_known_account_once(srv, smtp):
    addr, _, body = sign_up(srv)
    code = code_for(srv, smtp, addr)
    r = verify_code(srv, addr, code)
    assert r.status_code == 200, r.text
    assert r.json()["profile"]["id"] == body["profile"]["id"]
    assert ghlib.jwt_claims(r.json()["tokens"]["access_token"])["amr"] == \
        ["otp"]
    assert_problem(verify_code(srv, addr, code), 400, "invalid_code")


def test_email_code_makes_a_visitor_for_an_unknown_address(srv, smtp):
    addr = unique_email("visitor")
    code = code_for(srv, smtp, addr)
    r = verify_code(srv, addr, code)
    assert r.status_code == 201, r.text
    profile = r.json()["profile"]
    assert profile["status"] == "visitor"
    assert profile["credentials"][0]["email"] == addr
    assert profile["credentials"][0]["email_verified_at"]
    # No password: password sign-in is the unknown-account answer.
    assert_problem(requests.post(api(srv, "/sign-in"), timeout=TIMEOUT, json={
        "email": addr, "password": unique_password()}), 401,
        "invalid_credentials")
    # The next code signs in to the same account.
    r = verify_code(srv, addr, code_for(srv, smtp, addr))
    assert r.status_code == 200 and r.json()["profile"]["id"] == profile["id"]


def test_email_code_wrong_guesses_void_it(srv, smtp):
    addr, _, _ = sign_up(srv)
    code = code_for(srv, smtp, addr)
    wrong = "%06d" % ((int(code) + 1) % 1000000)
    for _ in range(5):      # email_code_attempts
        assert_problem(verify_code(srv, addr, wrong), 400, "invalid_code")
    assert_problem(verify_code(srv, addr, code), 400, "invalid_code")
    # A new code works again, and voids the older one.
    old = code_for(srv, smtp, addr)
    new = code_for(srv, smtp, addr)
    if old != new:
        assert_problem(verify_code(srv, addr, old), 400, "invalid_code")
    assert verify_code(srv, addr, new).status_code == 200


def test_email_code_expired_and_bad_input(srv, smtp):
    addr, _, _ = sign_up(srv)
    code = code_for(srv, smtp, addr)
    db(srv, "UPDATE one_time_tokens SET expires_at = 1 WHERE email = ? AND "
       "purpose = 'email_code'", addr)
    assert_problem(verify_code(srv, addr, code), 400, "token_expired")
    before = srv.db_snapshot()
    for bad in ("12345", "1234567", "12a456", 123456, None):
        r = verify_code(srv, addr, bad)
        assert_problem(r, 400, "validation_failed")
    assert_problem(verify_code(srv, addr, "123456", extra=1), 400,
                   "validation_failed", [("extra", "unknown")])
    assert srv.db_snapshot() == before


def test_email_code_never_told_by_answer(srv, smtp):
    known, _, _ = sign_up(srv)
    unknown = unique_email("nobody-code")
    for addr in (known, unknown):
        r = requests.post(api(srv, "/email-code/start"), timeout=TIMEOUT,
                          json={"email": addr})
        assert (r.status_code, r.text) == (204, "")
    assert_problem(verify_code(srv, unknown, "000000"), 400, "invalid_code")
    assert_problem(verify_code(srv, known, "000000"), 400, "invalid_code")


def test_verification_can_be_required_before_sign_in(root, smtp):
    port = free_port()
    settings = {"smtp_url": "smtp://127.0.0.1:%d" % smtp.port,
                "public_url": "http://127.0.0.1:%d" % port,
                "require_email_verification": 1, "email_cooldown": 0}
    with ghlib.running_server(root, settings=settings, port=port) as s:
        addr, pw, _ = sign_up(s)
        signin = lambda p: requests.post(  # noqa: E731
            s.base_url + "/v1/auth/sign-in", timeout=TIMEOUT,
            json={"email": addr, "password": p})
        # A wrong password says nothing more than ever.
        assert_problem(signin("wrong-" + pw), 401, "invalid_credentials")
        assert_problem(signin(pw), 403, "email_not_verified")
        r = requests.post(s.base_url + "/ui/sign-in", timeout=TIMEOUT,
                          data={"email": addr, "password": pw},
                          headers={"Origin": s.base_url},
                          allow_redirects=False)
        assert r.status_code == 403 and "Confirm your email" in r.text
        link = link_in(smtp.inbox.wait_for(addr, "Confirm your email"))
        assert requests.get(link, timeout=TIMEOUT,
                            allow_redirects=False).status_code == 303
        assert signin(pw).status_code == 200


# -- TLS and AUTH ------------------------------------------------------------

@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1 and its server context."""
    import ssl
    d = tmp_path_factory.mktemp("smtp-tls")
    cert, key = str(d / "cert.pem"), str(d / "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "2",
                    "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return cert, ctx


def sign_up_through(root, settings, inbox):
    """Signs up on a server of its own and waits for the verification."""
    with ghlib.running_server(root, settings=settings) as s:
        addr, _, _ = sign_up(s)
        try:
            return inbox.wait_for(addr, "Confirm your email", timeout=8), s
        except AssertionError:
            rows = db(s, "SELECT attempts, last_error FROM outbox")
            raise AssertionError("not delivered: %s" % rows)


@contextlib.contextmanager
def smtp_server(**kw):
    """An aiosmtpd server of its own: (inbox, port)."""
    inbox, port = Inbox(), free_port()
    c = Controller(inbox, hostname="127.0.0.1", port=port, **kw)
    c.start()
    try:
        yield inbox, port
    finally:
        c.stop()


def test_starttls_with_auth(root, tls):
    from aiosmtpd.smtp import AuthResult
    cert, ctx = tls

    def auth(server, session, envelope, mechanism, data):
        return AuthResult(success=(data.login, data.password) ==
                          (b"mailer", b"s3cret"))
    with smtp_server(tls_context=ctx, require_starttls=True,
                     authenticator=auth, auth_required=True) as (inbox, port):
        msg, _ = sign_up_through(root, {
            "smtp_url": "smtp://127.0.0.1:%d" % port, "smtp_starttls": 1,
            "smtp_ca_file": cert, "smtp_username": "mailer",
            "smtp_password": "s3cret"}, inbox)
        assert link_in(msg)
        # A wrong password: refused by the server, kept for a retry.
        undelivered(root, inbox, {
            "smtp_url": "smtp://127.0.0.1:%d" % port, "smtp_starttls": 1,
            "smtp_ca_file": cert, "smtp_username": "mailer",
            "smtp_password": "wrong", "smtp_timeout_ms": 2000})


def undelivered(root, inbox, settings):
    """A sign-up whose email the server refuses: kept, with the reason."""
    with ghlib.running_server(root, settings=settings) as s:
        addr, _, _ = sign_up(s)
        deadline, rows = time.monotonic() + 8, []
        while time.monotonic() < deadline:
            rows = db(s, "SELECT attempts, last_error, sent_at FROM outbox "
                      "WHERE to_addr = ?", addr)
            if rows and rows[0][1]:
                break
            time.sleep(0.1)
        assert rows and rows[0][2] is None and rows[0][1], rows
        assert inbox.count(addr) == 0


def test_smtps(root, tls):
    cert, ctx = tls
    with smtp_server(ssl_context=ctx) as (inbox, port):
        msg, _ = sign_up_through(root, {
            "smtp_url": "smtps://127.0.0.1:%d" % port,
            "smtp_ca_file": cert}, inbox)
        assert link_in(msg)


def test_untrusted_certificate_is_refused(root, tls):
    _, ctx = tls
    with smtp_server(ssl_context=ctx) as (inbox, port):
        undelivered(root, inbox, {"smtp_url": "smtps://127.0.0.1:%d" % port,
                                  "smtp_timeout_ms": 2000})
