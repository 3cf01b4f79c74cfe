"""A person in headless Chromium (Debian's /usr/bin/chromium, driven by
playwright-core from npm: tests/browser/flow.mjs) opens a protected page,
is sent to sign-in, creates an account, lands back on the protected page
and sees their name; after signing out the page is locked again.

Screenshots are kept in $GATEHOUSE_ARTIFACTS (./dev test: var/test/).
"""

import os

import pytest

import ghlib
from ghlib import unique_email, unique_password

@pytest.fixture(scope="module")
def plain(sibling, server):
    # Plain http on 127.0.0.1: the development cookie (docs/cookies.md).
    return sibling(cookie_secure=0, issuer=server.issuer)


@pytest.fixture(scope="module")
def seen(plain):
    email = unique_email("browser")
    out = ghlib.run_browser("flow.mjs", plain.base_url, email,
                            unique_password())
    out["email"] = email
    return out


def test_protected_page_sends_browser_to_sign_in(seen):
    assert seen["first_stop"] == "/ui/sign-in?return_to=/private/whoami.cgi"
    assert seen["sign_in_title"] == "Sign in"


def test_sign_in_page_is_labelled_and_focused(seen):
    assert seen["focused"] == "email"
    assert seen["labels"] == [["email", "Email"], ["password", "Password"]]


def test_sign_up_keeps_the_return_address(seen):
    assert seen["sign_up_page"] == "/ui/sign-up?return_to=/private/whoami.cgi"


def test_browser_refuses_a_short_password_before_sending(seen):
    assert seen["short_password_blocked"] is True


def test_sign_up_lands_back_on_the_protected_page_with_name(seen):
    assert seen["landed"] == "/private/whoami.cgi"
    env = dict(l.split("=", 1) for l in seen["protected_text"].splitlines())
    assert env["GATEHOUSE_EMAIL"] == seen["email"]
    assert env["REMOTE_USER"] and env["REMOTE_USER"] == env["GATEHOUSE_USERNAME"]


def test_account_page_shows_name_and_email(seen):
    assert seen["me_text"] == "Signed in as Ada Lovelace (%s)." % seen["email"]


def test_sign_out_locks_the_page_again(seen):
    assert seen["after_sign_out"] == "/ui/sign-in"
    assert seen["locked_again"] == "/ui/sign-in?return_to=/private/whoami.cgi"


def test_wrong_password_is_said_in_words(seen):
    assert seen["wrong_password_alert"] == (
        "That email and password do not match an account. "
        "Check them and try again.")


def test_sign_in_returns_to_the_protected_page(seen):
    assert seen["signed_in_again"] == "/private/whoami.cgi"


def test_screenshots_kept(seen):
    for name in ("browser-protected.png", "browser-account.png",
                 "browser-wrong-password.png"):
        p = os.path.join(seen["shots"], name)
        assert os.path.getsize(p) > 1000, p
