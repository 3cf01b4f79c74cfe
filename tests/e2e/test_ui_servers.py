"""The hosted pages (ui.fcgi, mounted at /ui/) under Apache and nginx
(apache-conf/*.conf.in, nginx-conf/nginx.conf.in, docs/deploy-apache.md,
docs/deploy-nginx.md), and the round trip a browser makes through them to
a protected directory: the authorizer sends it to /ui/sign-in, the form
signs it in with a session cookie (docs/cookies.md), the cookie opens
/private/, and signing out closes it again.

The servers share the lighttpd server's gatehouse.conf, which may have
cookie_secure = 1: the cookie is then __Host-gh_session with Secure, which
an HTTP client would not send over http. The tests therefore send it as a
Cookie header themselves, under whatever name the Set-Cookie gave.
test_ui.py checks the pages' own behaviour under lighttpd.
"""

import html
import re
import urllib.parse

import pytest
import requests

from ghlib import (TIMEOUT, media_type, set_cookie, unique_email,
                   unique_password)

SECRET = "the protected file\n"

# Servers with the /ui/ mount, and those of them that also protect
# /private/ with the authorizer.
PAGES = ["apache-fcgid", "apache-proxy", "apache-cgi", "nginx"]
PROTECTED = ["apache-proxy", "nginx"]


@pytest.fixture(scope="module", params=PAGES)
def pages(request, fronts):
    """The base URL of one Apache/nginx instance serving /ui/."""
    return fronts(request.param).base_url


@pytest.fixture(scope="module", params=PROTECTED)
def site(request, fronts):
    """One Apache/nginx instance serving /ui/ and the protected /private/."""
    front = fronts(request.param)
    assert front.private_url, "%s has no protected directory" % request.param
    return front


def get(url, cookie=None, headers=None):
    h = dict(headers or {})
    if cookie:
        h["Cookie"] = cookie
    return requests.get(url, headers=h, allow_redirects=False, timeout=TIMEOUT)


def post_form(url, data, cookie=None):
    h = {"Cookie": cookie} if cookie else {}
    return requests.post(url, data=data, headers=h, allow_redirects=False,
                         timeout=TIMEOUT)


def session_cookie(r):
    """"name=value" of the session cookie a 303 set (for a Cookie header)."""
    sc = set_cookie(r, "gh_session")
    assert re.match(r"^(__Host-)?gh_session=[A-Za-z0-9_-]{43};", sc), \
        "Set-Cookie: %r" % sc
    assert "HttpOnly" in sc and "Path=/" in sc, sc
    return sc.split(";", 1)[0]


def assert_sign_in_page(r, return_to=None):
    assert r.status_code == 200, "%d %s" % (r.status_code, r.text[:300])
    assert media_type(r) == "text/html", r.headers.get("Content-Type")
    assert '<form method="post" action="/ui/sign-in">' in r.text, r.text[:500]
    assert '<label for="email">' in r.text and '<label for="password">' in r.text
    if return_to is not None:
        m = re.search(r'name="return_to" value="([^"]*)"', r.text)
        assert m, "no return_to field in the form: %s" % r.text[:800]
        assert html.unescape(m.group(1)) == return_to, m.group(1)


def sign_up(base_url, return_to="/private/secret.txt"):
    """Signs a fresh user up through the form; returns (email, cookie)."""
    email = unique_email("ui-front")
    r = post_form(base_url + "/ui/sign-up", {
        "email": email, "password": unique_password(), "return_to": return_to})
    assert r.status_code == 303, "%d %s" % (r.status_code, r.text[:300])
    assert r.headers.get("Location") == return_to, r.headers
    return email, session_cookie(r)


def whoami(r):
    assert r.status_code == 200, "%d %s" % (r.status_code, r.text[:300])
    out = {}
    for line in r.text.splitlines():
        k, _, v = line.partition("=")
        out[k] = v
    return out


def csrf_field(page_html):
    m = re.search(r'<input type="hidden" name="csrf_token" value="([^"]*)"',
                  page_html)
    assert m, "no csrf_token field on the account page: %s" % page_html[:800]
    return html.unescape(m.group(1))


# -- the pages on every server ----------------------------------------------------

def test_sign_in_page(pages):
    r = get(pages + "/ui/sign-in")
    assert_sign_in_page(r)
    assert r.headers.get("X-Frame-Options") == "DENY", r.headers


def test_sign_in_page_keeps_local_return_to(pages):
    r = get(pages + "/ui/sign-in?return_to=" +
            urllib.parse.quote("/private/whoami.cgi", safe=""))
    assert_sign_in_page(r, return_to="/private/whoami.cgi")


def test_sign_up_form_redirects_with_cookie(pages):
    email, cookie = sign_up(pages)
    # The account page reads the same cookie back.
    r = get(pages + "/ui/me", cookie=cookie)
    assert r.status_code == 200, "%d %s" % (r.status_code, r.text[:300])
    assert media_type(r) == "text/html"
    assert html.escape(email) in r.text or email in r.text, r.text[:500]


def test_unknown_page_is_404(pages):
    r = get(pages + "/ui/nope")
    assert r.status_code == 404, r.status_code


def test_apache_cgi_pages_also_under_cgi_bin(fronts):
    # Plain CGI: the program also answers under its own name; its forms
    # still post to /ui/... (docs/deploy-apache.md, "The hosted pages").
    base = fronts("apache-cgi").base_url
    assert_sign_in_page(get(base + "/cgi-bin/ui.fcgi/sign-in"))


# -- the round trip through the protected directory ------------------------------

def test_cookie_from_form_opens_protected_directory(site):
    base = site.base_url
    email, cookie = sign_up(base)
    r = get(site.private_url + "secret.txt", cookie=cookie)
    assert r.status_code == 200, "%d %s" % (r.status_code, r.text[:300])
    assert r.text == SECRET
    env = whoami(get(site.private_url + "whoami.cgi", cookie=cookie))
    assert env["GATEHOUSE_EMAIL"].lower() == email.lower(), env
    assert env["REMOTE_USER"], env
    assert env["REMOTE_USER"] == env["GATEHOUSE_USERNAME"], env
    assert env["GATEHOUSE_USER_ID"], env
    assert env["GATEHOUSE_ROLES"] == "owner", env


def test_browser_is_sent_to_sign_in_page_on_same_server(site):
    r = get(site.private_url + "whoami.cgi",
            headers={"Accept": "text/html,application/xhtml+xml"})
    assert r.status_code == 302, "%d %s" % (r.status_code, r.text[:300])
    loc = r.headers.get("Location", "")
    assert loc.startswith("/ui/sign-in?return_to="), loc
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(loc).query)
    assert q.get("return_to") == ["/private/whoami.cgi"], loc
    page = get(urllib.parse.urljoin(r.url, loc), headers={"Accept": "text/html"})
    assert page.url.startswith(site.base_url + "/ui/sign-in"), page.url
    assert_sign_in_page(page, return_to="/private/whoami.cgi")


def test_sign_out_form_closes_protected_directory(site):
    base = site.base_url
    _, cookie = sign_up(base)
    assert get(site.private_url + "secret.txt", cookie=cookie).status_code == 200
    me = get(base + "/ui/me", cookie=cookie)
    assert me.status_code == 200, "%d %s" % (me.status_code, me.text[:300])
    r = post_form(base + "/ui/sign-out", {"csrf_token": csrf_field(me.text)},
                  cookie=cookie)
    assert r.status_code == 303, "%d %s" % (r.status_code, r.text[:300])
    assert r.headers.get("Location") == "/ui/sign-in", r.headers
    cleared = set_cookie(r, cookie.split("=", 1)[0].replace("__Host-", ""))
    assert cleared.startswith(cookie.split("=", 1)[0] + "=;"), cleared
    assert "Max-Age=0" in cleared, cleared
    # The authorizer refuses the old cookie (an API-like request: no
    # redirect), and the account page no longer knows it.
    for path in ("secret.txt", "whoami.cgi"):
        r = get(site.private_url + path, cookie=cookie,
                headers={"Accept": "application/json"})
        assert r.status_code == 401, "%s: %d %s" % (path, r.status_code, r.text[:300])
        assert r.headers.get("WWW-Authenticate", "").startswith("Bearer"), r.headers
        assert SECRET not in r.text and "GATEHOUSE_USER_ID" not in r.text
    r = get(base + "/ui/me", cookie=cookie)
    assert r.status_code == 303, r.status_code
    assert r.headers.get("Location") == "/ui/sign-in?return_to=/ui/me", r.headers
