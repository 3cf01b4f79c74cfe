"""Body rules shared by every JSON route (contract: "Body rules", codes
malformed_json, payload_too_large, unsupported_media_type,
method_not_allowed): each refused request answers a problem and leaves the
database untouched. Run through FastCGI and plain CGI."""

import json

import pytest
import requests

from ghlib import TIMEOUT, assert_problem, unique_email

JSON = {"Content-Type": "application/json"}

NO_ID = "0190e2b5-5c1a-7000-8000-000000000000"

# route name -> (method, path under /v1/auth, needs a bearer token[,
# program when not auth])
ROUTES = {
    "sign-up": ("POST", "/sign-up", False),
    "sign-in": ("POST", "/sign-in", False),
    "refresh": ("POST", "/refresh", False),
    "sign-out": ("POST", "/sign-out", True),
    "patch-me": ("PATCH", "/me", True),
    "send-email-verification": ("POST", "/send-email-verification", True),
    "verify": ("POST", "/verify", False),
    "send-password-reset": ("POST", "/send-password-reset", False),
    "reset-password": ("POST", "/reset-password", False),
    "send-magic-link": ("POST", "/send-magic-link", False),
    "change-email": ("POST", "/change-email", True),
    "confirm-email-change": ("POST", "/confirm-email-change", False),
    "email-code-start": ("POST", "/email-code/start", False),
    "email-code-verify": ("POST", "/email-code/verify", False),
    "check-email": ("POST", "/check-email", False),
    "login-methods": ("POST", "/login-methods", False),
    "oauth-complete-signup": ("POST", "/complete-signup", False, "oauth"),
    "oauth-id-token": ("POST", "/google/id-token", False, "oauth"),
    "oauth-link": ("POST", "/google/link", True, "oauth"),
    "change-password": ("POST", "/change-password", True),
    "disconnect": ("POST", "/disconnect", True),
    "sessions-revoke": ("POST", "/revoke", True, "sessions"),
    "sessions-revoke-others": ("POST", "/revoke-others", True, "sessions"),
    "waitlists-put": ("PUT", "/body-rules", True, "waitlists"),
    "waitlists-delete": ("DELETE", "/body-rules", True, "waitlists"),
    "mfa-setup": ("POST", "/totp/setup", True, "mfa"),
    "mfa-enable": ("POST", "/totp/enable", True, "mfa"),
    "mfa-disable": ("POST", "/totp/disable", True, "mfa"),
    "mfa-regenerate": ("POST", "/totp/backup-codes/regenerate", True, "mfa"),
    "mfa-verify": ("POST", "/totp/verify", False, "mfa"),
    "invites-create": ("POST", "", True, "invites"),
    "invites-accept": ("POST", "/" + "A" * 43 + "/accept", True, "invites"),
    "invites-revoke": ("DELETE", "/" + "A" * 43, True, "invites"),
    "membership-redeem": ("POST", "/redeem-invite", True, "membership"),
    # Refused before the handler looks the (made-up) ids up.
    "accounts-create": ("POST", "", True, "accounts"),
    "accounts-patch": ("PATCH", "/" + NO_ID, True, "accounts"),
    "accounts-member-patch": ("PATCH", "/%s/members/%s" % (NO_ID, NO_ID), True,
                              "accounts"),
    "accounts-member-delete": ("DELETE", "/%s/members/%s" % (NO_ID, NO_ID), True,
                               "accounts"),
    "accounts-switch": ("POST", "/%s/switch" % NO_ID, True, "accounts"),
}

TOKEN = "A" * 43

# Every route runs under lighttpd FastCGI; the other serving modes run
# these, which cover each program's mount and each kind of request (no
# token, bearer POST, bearer PATCH): the rules themselves are one piece of
# code (lib/serve.c), and what a web server could do to a body depends on
# the mount, not the route. conftest.py deselects the rest.
EVERY_MODE = {"sign-up", "patch-me", "sign-out", "oauth-complete-signup",
              "oauth-link", "mfa-enable", "mfa-verify", "sessions-revoke",
              "waitlists-delete", "invites-create", "membership-redeem",
              "accounts-create"}

# A body each route would accept apart from what the test breaks.
def valid_body(route):
    return {
        "sign-up": {"email": "body-rules@example.com", "password": "long enough password"},
        "sign-in": {"email": "body-rules@example.com", "password": "long enough password"},
        "refresh": {"refresh_token": "A" * 43},
        "sign-out": {},
        "patch-me": {"display_name": "Body Rules"},
        "send-email-verification": {},
        "verify": {"token": TOKEN},
        "send-password-reset": {"email": "body-rules@example.com"},
        "reset-password": {"token": TOKEN, "new_password": "long enough password"},
        "send-magic-link": {"email": "body-rules@example.com"},
        "change-email": {"new_email": "body-rules-2@example.com",
                         "password": "long enough password"},
        "confirm-email-change": {"token": TOKEN},
        "email-code-start": {"email": "body-rules@example.com"},
        "email-code-verify": {"email": "body-rules@example.com", "code": "123456"},
        "check-email": {"email": "body-rules@example.com"},
        "login-methods": {},
        "oauth-complete-signup": {"signup_token": TOKEN, "username": "body_rules"},
        "oauth-id-token": {"id_token": "a.b.c" * 8},
        "oauth-link": {},
        "change-password": {"current_password": "long enough password",
                            "new_password": "another long password"},
        "disconnect": {},
        "sessions-revoke": {"ids": ["0190e2b5-5c1a-7000-8000-000000000000"]},
        "sessions-revoke-others": {},
        "waitlists-put": {},
        "waitlists-delete": {},
        "mfa-setup": {},
        "mfa-enable": {"code": "123456"},
        "mfa-disable": {"code": "123456"},
        "mfa-regenerate": {"code": "123456"},
        "mfa-verify": {"mfa_token": TOKEN, "code": "123456"},
        "invites-create": {"type": "friend"},
        "invites-accept": {},
        "invites-revoke": {},
        "membership-redeem": {"code": TOKEN},
        "accounts-create": {"name": "Body Rules"},
        "accounts-patch": {"name": "Body Rules"},
        "accounts-member-patch": {"role": "member"},
        "accounts-member-delete": {},
        "accounts-switch": {},
    }[route]


@pytest.fixture
def send(api, new_user):
    """send(route, data, headers) -> response; a fresh user's token is
    attached for routes that need one (made BEFORE any snapshot)."""
    def prepare(route):
        method, path, needs_token = ROUTES[route][:3]
        base = getattr(api, ROUTES[route][3] if len(ROUTES[route]) > 3
                       else "auth")
        headers = {}
        if needs_token:
            headers["Authorization"] = "Bearer " + new_user()["access"]

        def do(data, extra_headers=None):
            h = dict(headers)
            h.update(extra_headers or {})
            return requests.request(method, base + path, data=data, headers=h,
                                    timeout=TIMEOUT)
        return do
    return prepare


ALL = list(ROUTES)


@pytest.mark.parametrize("route", ALL)
def test_malformed_json(route, send, db_unchanged):
    do = send(route)
    with db_unchanged():
        r = do(b'{"email": "a@example.com", "password": ', JSON)
    assert_problem(r, 400, "malformed_json")


@pytest.mark.parametrize("route", ALL)
def test_trailing_garbage_after_object(route, send, db_unchanged):
    do = send(route)
    body = json.dumps(valid_body(route)).encode() + b" {}"
    with db_unchanged():
        r = do(body, JSON)
    assert_problem(r, 400, "malformed_json")


@pytest.mark.parametrize("route", ALL)
@pytest.mark.parametrize("top", [b'["a@example.com", "password1"]', b'"a string"',
                                 b"42", b"null", b"true"],
                         ids=["array", "string", "number", "null", "true"])
def test_top_level_not_an_object(route, top, send, db_unchanged):
    do = send(route)
    with db_unchanged():
        r = do(top, JSON)
    assert_problem(r, 400, "malformed_json")


INVALID_UTF8 = {
    "lone-continuation": b'{"email": "\x80x@example.com", "password": "long enough password"}',
    "ff-byte": b'{"email": "a@example.com", "password": "long \xff\xfe password"}',
    "overlong-slash": b'{"email": "a\xc0\xaf@example.com", "password": "long enough password"}',
    "utf16-surrogate": b'{"email": "a@example.com", "password": "long \xed\xa0\x80 password"}',
    "truncated-sequence": b'{"email": "a@example.com", "password": "long enough \xe2\x82"}',
    "in-key": b'{"em\xffail": "a@example.com", "password": "long enough password"}',
}


@pytest.mark.parametrize("route", ALL)
@pytest.mark.parametrize("case", sorted(INVALID_UTF8))
def test_invalid_utf8(route, case, send, db_unchanged):
    do = send(route)
    with db_unchanged():
        r = do(INVALID_UTF8[case], JSON)
    assert_problem(r, 400, "malformed_json")


@pytest.mark.parametrize("route", ALL)
def test_nesting_deeper_than_limit(route, send, db_unchanged):
    do = send(route)
    # The first field the route reads, or any name for routes without one.
    field = next(iter(valid_body(route)), "x")
    body = ('{"%s": ' % field + "[" * 40 + "]" * 40 + "}").encode()
    with db_unchanged():
        r = do(body, JSON)
    assert_problem(r, 400, "malformed_json")


@pytest.mark.parametrize("route", ALL)
def test_nesting_deep_in_unknown_field(route, send, db_unchanged):
    do = send(route)
    body = dict(valid_body(route))
    inner = "x"
    for _ in range(40):
        inner = {"k": inner}
    body["extra"] = inner
    with db_unchanged():
        r = do(json.dumps(body).encode(), JSON)
    assert_problem(r, 400, "malformed_json")


@pytest.mark.parametrize("route", ALL)
def test_oversized_body_is_413(route, send, db_unchanged):
    do = send(route)
    body = dict(valid_body(route))
    body["padding"] = "x" * (70 * 1024)
    with db_unchanged():
        r = do(json.dumps(body).encode(), JSON)
    assert_problem(r, 413, "payload_too_large")


@pytest.mark.parametrize("route", ALL)
@pytest.mark.parametrize("ctype", ["text/plain", "application/x-www-form-urlencoded",
                                   "multipart/form-data; boundary=xyz", "text/json",
                                   None],
                         ids=["text-plain", "form", "multipart", "text-json", "absent"])
def test_non_json_content_type_is_415(route, ctype, send, db_unchanged):
    do = send(route)
    data = json.dumps(valid_body(route)).encode()
    if ctype == "application/x-www-form-urlencoded":
        data = b"email=a%40example.com&password=long+enough+password"
    h = {"Content-Type": ctype} if ctype else {}
    with db_unchanged():
        r = do(data, h)
    assert_problem(r, 415, "unsupported_media_type")


@pytest.mark.parametrize("route", ["sign-up", "sign-in", "refresh", "patch-me"])
def test_empty_body_is_400(route, send, db_unchanged):
    # An empty body is not a JSON object; whether that is reported as bad
    # JSON or as missing fields is left open by the contract.
    do = send(route)
    with db_unchanged():
        r = do(b"", JSON)
    assert r.status_code == 400, r.text
    code = r.json().get("code")
    assert code in ("malformed_json", "validation_failed"), r.text
    assert_problem(r, 400, code)


@pytest.mark.parametrize("route", ALL)
def test_whitespace_only_body_is_malformed(route, send, db_unchanged):
    do = send(route)
    with db_unchanged():
        r = do(b"   \n", JSON)
    assert_problem(r, 400, "malformed_json")


WRONG_METHODS = [
    ("/sign-up", "GET", "POST"), ("/sign-up", "PUT", "POST"), ("/sign-up", "DELETE", "POST"),
    ("/sign-in", "GET", "POST"), ("/refresh", "GET", "POST"), ("/sign-out", "GET", "POST"),
    ("/sign-out", "DELETE", "POST"), ("/me", "POST", "GET"), ("/me", "PUT", "PATCH"),
    ("/me", "DELETE", "GET"), ("/verify", "PUT", "POST"),
    ("/send-password-reset", "GET", "POST"), ("/reset-password", "GET", "POST"),
    ("/send-magic-link", "GET", "POST"), ("/sign-in-with-token", "POST", "GET"),
    ("/change-email", "GET", "POST"), ("/email-code/verify", "GET", "POST"),
    ("/check-email", "GET", "POST"), ("/change-password", "GET", "POST"),
    ("/disconnect", "GET", "POST"), ("/dashboard", "POST", "GET"),
]


@pytest.mark.parametrize("path,method,allowed", WRONG_METHODS,
                         ids=["%s-%s" % (p.strip("/"), m) for p, m, _ in WRONG_METHODS])
def test_wrong_method_is_405_with_allow(api, path, method, allowed, db_unchanged):
    with db_unchanged():
        r = requests.request(method, api.auth + path, timeout=TIMEOUT)
    assert_problem(r, 405, "method_not_allowed")
    allow = [m.strip() for m in r.headers.get("Allow", "").split(",")]
    assert allowed in allow, "Allow: %r" % r.headers.get("Allow")
    assert method not in allow


def test_me_allow_lists_get_and_patch(api):
    r = requests.put(api.auth + "/me", timeout=TIMEOUT)
    assert_problem(r, 405, "method_not_allowed")
    allow = {m.strip() for m in r.headers.get("Allow", "").split(",")}
    assert {"GET", "PATCH"} <= allow, r.headers.get("Allow")


@pytest.mark.parametrize("path", ["/nope", "/sign-up/extra", "/", "/me/x"])
def test_unknown_auth_path_is_404(api, path):
    r = requests.get(api.auth + path, timeout=TIMEOUT)
    assert_problem(r, 404, "not_found")


def test_body_at_limit_is_read(fapi, db_unchanged):
    # Exactly body_limit (65536) bytes is within the limit: it is parsed
    # (and refused for its unknown field), not rejected as too large.
    prefix = b'{"email": "limit@example.com", "password": "long enough password", "pad": "'
    suffix = b'"}'
    body = prefix + b"x" * (65536 - len(prefix) - len(suffix)) + suffix
    assert len(body) == 65536
    with db_unchanged():
        r = requests.post(fapi.auth + "/sign-up", data=body, headers=JSON, timeout=TIMEOUT)
    assert_problem(r, 400, "validation_failed", [("pad", "unknown")])


def test_body_one_over_limit_is_413(fapi, db_unchanged):
    prefix = b'{"email": "limit@example.com", "password": "long enough password", "pad": "'
    suffix = b'"}'
    body = prefix + b"x" * (65537 - len(prefix) - len(suffix)) + suffix
    assert len(body) == 65537
    with db_unchanged():
        r = requests.post(fapi.auth + "/sign-up", data=body, headers=JSON, timeout=TIMEOUT)
    assert_problem(r, 413, "payload_too_large")


def test_charset_parameter_is_accepted(api):
    body = {"email": unique_email("charset"), "password": "long enough password"}
    r = requests.post(api.auth + "/sign-up", data=json.dumps(body).encode(),
                      headers={"Content-Type": "application/json; charset=utf-8"},
                      timeout=TIMEOUT)
    assert r.status_code == 201, r.text
