"""Password policy (docs/abuse.md): configured lengths, nothing about the
account, and the breached-password check by k-anonymity against a local
stand-in for the range API (only 5 hex digits of the SHA-1 are sent)."""

import hashlib
import http.server
import threading
import time

import pytest
import requests

import ghlib
from ghlib import TIMEOUT, assert_problem, unique_email, unique_password

BREACHED = ["password123", "correct horse battery staple", "Tr0ub4dor&3xyz"]


class RangeServer:
    """Serves /range/<5 hex> like api.pwnedpasswords.com: the suffixes of
    BREACHED under that prefix plus padding lines with count 0, and
    records every request. mode: "ok", "html" (not a range body), "slow"
    (answers after 3 s), "500"."""

    def __init__(self):
        self.requests = []
        self.mode = "ok"
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.requests.append((self.path, dict(self.headers)))
                if outer.mode == "slow":
                    time.sleep(3)
                if outer.mode == "500":
                    self.send_response(500)
                    self.end_headers()
                    return
                prefix = self.path.rsplit("/", 1)[-1]
                if outer.mode == "html":
                    body = b"<html>maintenance</html>"
                else:
                    body = outer.range_body(prefix).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/range/" % self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       daemon=True)
        self.thread.start()

    @staticmethod
    def range_body(prefix):
        lines = []
        for pw in BREACHED:
            h = hashlib.sha1(pw.encode()).hexdigest().upper()
            if h[:5] == prefix.upper():
                lines.append("%s:%d" % (h[5:], 42))
        # Padding, as Add-Padding: true asks: suffixes with count 0; one
        # of them is the suffix of a password that is not breached.
        for pw in ("padding-1", "never breached 1"):
            h = hashlib.sha1(pw.encode()).hexdigest().upper()
            lines.append("%s:0" % h[5:])
        lines.append("0" * 35 + ":3")
        return "\r\n".join(lines)

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def ranges():
    r = RangeServer()
    yield r
    r.stop()


def checking(root, url, on_error, **extra):
    settings = {"breached_password_check": 1, "breached_password_url": url,
                "breached_password_timeout_ms": 1000,
                "breached_password_on_error": on_error}
    settings.update(extra)
    return ghlib.running_server(root, settings=settings)


@pytest.fixture(scope="module")
def srv(root, ranges):
    with checking(root, ranges.url, "allow") as s:
        yield s


@pytest.fixture(scope="module")
def strict(root, ranges):
    with checking(root, ranges.url, "refuse", password_min_length=12) as s:
        yield s


@pytest.fixture
def mode(ranges):
    def set_mode(m):
        ranges.mode = m
    yield set_mode
    ranges.mode = "ok"


def sign_up(srv, pw, email=None, **extra):
    body = {"email": email or unique_email("pp"), "password": pw}
    body.update(extra)
    return requests.post(srv.base_url + "/v1/auth/sign-up", json=body,
                         timeout=TIMEOUT)


@pytest.mark.parametrize("pw", BREACHED)
def test_breached_password_is_refused(srv, ranges, pw):
    before = srv.db_snapshot()
    p = assert_problem(sign_up(srv, pw), 400, "validation_failed",
                       [("password", "breached")])
    assert pw not in str(p)
    assert srv.db_snapshot() == before
    # Only the prefix left: five hex digits, never the rest or the password.
    path, headers = ranges.requests[-1]
    full = hashlib.sha1(pw.encode()).hexdigest().upper()
    assert path == "/range/" + full[:5], path
    assert full[5:] not in path and pw not in path
    assert headers.get("Add-Padding") == "true"


def test_fresh_password_is_accepted(srv):
    r = sign_up(srv, unique_password())
    assert r.status_code == 201, r.text


def test_padding_lines_do_not_count(srv):
    # Its suffix is in the body, with count 0.
    assert sign_up(srv, "never breached 1").status_code == 201


@pytest.mark.parametrize("m", ["500", "html", "slow"])
def test_unreachable_service_allowed_by_policy(srv, mode, m):
    mode(m)
    t = time.monotonic()
    r = sign_up(srv, BREACHED[0])
    assert r.status_code == 201, r.text
    assert time.monotonic() - t < 2.5      # timeout 1 s, not the 3 s sleep


@pytest.mark.parametrize("m", ["500", "html", "slow"])
def test_unreachable_service_refused_by_policy(strict, mode, m):
    mode(m)
    before = strict.db_snapshot()
    r = sign_up(strict, unique_password())
    assert_problem(r, 503, "password_check_unavailable")
    assert strict.db_snapshot() == before


def test_service_down_refused(root):
    with checking(root, "http://127.0.0.1:9/range/", "refuse") as s:
        assert_problem(sign_up(s, unique_password()), 503,
                       "password_check_unavailable")


def test_configured_minimum_length(strict):
    p = assert_problem(sign_up(strict, "a" * 11), 400, "validation_failed",
                       [("password", "length", "12..128 characters")])
    assert "a" * 11 not in str(p)
    assert sign_up(strict, "pw-" + "b" * 9).status_code == 201


@pytest.mark.parametrize("pw, username", [
    ("{local}@example.com", None),          # the email itself
    ("x-{LOCAL}@EXAMPLE.COM", None),        # inside it, in another case
    ("{local}-1906", None),                 # the part before the @
    ("I am admiral_g!", "admiral_g"),       # the username
], ids=["email", "email-folded", "local-part", "username"])
def test_password_about_the_account_is_refused(srv, pw, username):
    local = "grace.hopper" + unique_password()[3:11]
    email = local + "@example.com"
    pw = pw.format(local=local, LOCAL=local.upper())
    extra = {"username": username} if username else {}
    before = srv.db_snapshot()
    assert_problem(sign_up(srv, pw, email=email, **extra), 400,
                   "validation_failed", [("password", "contains_identifier")])
    assert srv.db_snapshot() == before


def test_short_identifiers_are_not_policed(srv):
    # A three-letter local part may appear in a password.
    r = sign_up(srv, "bob-and-alice-" + unique_password(),
                email="bob+%s@example.com" % unique_password()[3:11])
    assert r.status_code == 201, r.text


def test_hosted_sign_up_page_says_breached(srv):
    r = requests.post(srv.base_url + "/ui/sign-up", timeout=TIMEOUT,
                      data={"email": unique_email("pp-ui"),
                            "password": BREACHED[1]},
                      headers={"Origin": srv.base_url}, allow_redirects=False)
    assert r.status_code == 400, r.text[:300]
    assert "appeared in a data breach" in r.text
