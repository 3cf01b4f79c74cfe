"""The hosted pages (ui.fcgi) with plain HTTP: what a browser would post,
and what an attacker would."""

import urllib.parse

import pytest
import requests

from ghlib import (TIMEOUT, assert_problem, set_cookie, unique_email,
                   unique_password)


@pytest.fixture(scope="module")
def plain(sibling, server):
    return sibling(cookie_secure=0, issuer=server.issuer)


def form(srv, path, data, **kw):
    return requests.post(srv.base_url + path, data=data, timeout=TIMEOUT,
                         allow_redirects=False, **kw)


def page(srv, path):
    return requests.get(srv.base_url + path, timeout=TIMEOUT,
                        allow_redirects=False)


def test_sign_in_page_headers(plain):
    r = page(plain, "/ui/sign-in")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Frame-Options"] == "DENY"
    assert '<label for="email">' in r.text and '<label for="password">' in r.text


@pytest.mark.parametrize("target", [
    "//evil.example/x", "/\\evil.example", "https://evil.example/",
    "javascript:alert(1)", "/ok\r\nSet-Cookie: x=1", "evil", "/%0d%0aX: y"])
def test_open_redirects_are_dropped_from_the_form(plain, target):
    r = page(plain, "/ui/sign-in?return_to=" + urllib.parse.quote(target, safe=""))
    # lighttpd itself refuses an encoded CR/LF (400); otherwise the page
    # shows the form without the unsafe return address.
    assert r.status_code in (200, 400), r.status_code
    assert 'name="return_to"' not in r.text
    assert "evil.example" not in r.text and "javascript:" not in r.text


@pytest.mark.parametrize("target", [
    "//evil.example/x", "https://evil.example/", "javascript:alert(1)",
    "/\\evil.example"])
def test_sign_up_never_redirects_off_site(plain, target):
    r = form(plain, "/ui/sign-up", {
        "email": unique_email("redir"), "password": unique_password(),
        "return_to": target})
    assert r.status_code == 303, r.text
    assert r.headers["Location"] == "/ui/me"


def test_sign_up_then_sign_in_redirect_to_local_return(plain):
    email, pw = unique_email("ui"), unique_password()
    r = form(plain, "/ui/sign-up", {"email": email, "password": pw,
                                    "return_to": "/private/secret.txt"})
    assert r.status_code == 303 and r.headers["Location"] == "/private/secret.txt"
    sc = set_cookie(r, "gh_session")
    assert sc.startswith("gh_session=") and "HttpOnly" in sc
    r = form(plain, "/ui/sign-in", {"email": email, "password": pw})
    assert r.status_code == 303 and r.headers["Location"] == "/ui/me"


def test_bad_email_and_short_password_in_words(plain, db_unchanged):
    with db_unchanged():
        r = form(plain, "/ui/sign-up", {"email": "nope", "password": unique_password()})
        assert r.status_code == 400
        assert "like name@example.com" in r.text
        r = form(plain, "/ui/sign-up", {"email": unique_email(), "password": "short"})
        assert r.status_code == 400
        assert "8 to 128 characters" in r.text


def test_taken_email_in_words(plain, db_unchanged):
    email = unique_email("taken")
    assert form(plain, "/ui/sign-up", {"email": email, "password": unique_password()}).status_code == 303
    with db_unchanged():
        r = form(plain, "/ui/sign-up", {"email": email, "password": unique_password()})
    assert r.status_code == 409
    assert "already exists" in r.text


def test_wrong_password_keeps_email_escaped(plain):
    r = form(plain, "/ui/sign-in", {"email": 'x"><script>@example.com',
                                    "password": "whatever1"})
    assert r.status_code == 400
    assert "<script>" not in r.text


def test_login_csrf_from_other_site_is_refused(plain, db_unchanged):
    email, pw = unique_email("csrf"), unique_password()
    assert form(plain, "/ui/sign-up", {"email": email, "password": pw}).status_code == 303
    r = form(plain, "/ui/sign-in", {"email": email, "password": pw},
             headers={"Origin": "https://evil.example"})
    assert r.status_code == 403
    assert "Set-Cookie" not in r.headers


def test_form_routes_refuse_json_and_oversize(plain):
    r = requests.post(plain.base_url + "/ui/sign-in", json={"email": "a@b.co"},
                      timeout=TIMEOUT)
    assert_problem(r, 415, "unsupported_media_type")
    r = form(plain, "/ui/sign-in", {"email": "a" * 70000})
    assert_problem(r, 413, "payload_too_large")


def test_wrong_method_is_405(plain):
    r = requests.delete(plain.base_url + "/ui/sign-in", timeout=TIMEOUT)
    assert_problem(r, 405, "method_not_allowed")
    assert "GET" in r.headers["Allow"] and "POST" in r.headers["Allow"]


def test_account_page_without_session_redirects(plain):
    r = page(plain, "/ui/me")
    assert r.status_code == 303
    assert r.headers["Location"] == "/ui/sign-in?return_to=/ui/me"


def test_sign_out_form_needs_its_csrf_field(plain):
    s = requests.Session()
    r = s.post(plain.base_url + "/ui/sign-up", timeout=TIMEOUT, data={
        "email": unique_email("out"), "password": unique_password()},
        allow_redirects=False)
    assert r.status_code == 303
    r = s.post(plain.base_url + "/ui/sign-out", data={}, timeout=TIMEOUT,
               allow_redirects=False)
    assert_problem(r, 403, "csrf_failed")
    assert s.get(plain.base_url + "/ui/me", timeout=TIMEOUT,
                 allow_redirects=False).status_code == 200
