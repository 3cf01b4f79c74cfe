"""POST /v1/auth/sign-up: happy paths and every kind of bad input."""

import json

import pytest

from ghlib import (USERNAME_RE, assert_common_headers, assert_problem,
                   check_session_profile, check_tokens, find_param, media_type,
                   param_for, received_names, unique_email, unique_password,
                   unique_username)


def body(**kw):
    b = {"email": unique_email("signup"), "password": unique_password()}
    b.update(kw)
    return {k: v for k, v in b.items() if v is not Ellipsis}


# -- happy paths ---------------------------------------------------------------

def test_sign_up_returns_201_with_tokens_and_profile(api):
    b = body(username=unique_username())
    r = api.sign_up(b)
    assert r.status_code == 201, r.text
    assert media_type(r) == "application/json"
    assert_common_headers(r)
    j = r.json()
    check_tokens(j["tokens"])
    check_session_profile(j["profile"], email=b["email"], username=b["username"])


def test_sign_up_without_optional_fields(api):
    b = body()
    r = api.sign_up(b)
    assert r.status_code == 201, r.text
    p = check_session_profile(r.json()["profile"], email=b["email"])
    # no username given: none, or one the server made up in the usual format
    assert p["username"] is None or USERNAME_RE.match(p["username"]), p["username"]
    assert p["avatar_url"] is None and p["banner_url"] is None
    assert all(p["identity"][k] is None for k in p["identity"]), p["identity"]


def test_sign_up_with_display_name(api):
    b = body(display_name="Ada Lovelace \u00e9\u4e2d")
    r = api.sign_up(b)
    assert r.status_code == 201, r.text
    assert r.json()["profile"]["display_name"] == "Ada Lovelace \u00e9\u4e2d"


def test_sign_up_with_explicit_default_client_id(fapi):
    r = fapi.sign_up(body(client_id="default"))
    assert r.status_code == 201, r.text


def test_sign_up_access_token_opens_me(api):
    b = body(username=unique_username())
    r = api.sign_up(b)
    assert r.status_code == 201, r.text
    j = r.json()
    me = api.me(j["tokens"]["access_token"])
    assert me.status_code == 200, me.text
    assert me.json()["id"] == j["profile"]["id"]
    assert me.json()["username"] == b["username"]


def test_sign_up_then_sign_in_with_same_password(api):
    b = body()
    assert api.sign_up(b).status_code == 201
    r = api.sign_in({"email": b["email"], "password": b["password"]})
    assert r.status_code == 200, r.text


def test_sign_up_writes_one_row_in_each_table(fapi, db_snapshot):
    before = {t: n for (t, n, _) in db_snapshot()}
    r = fapi.sign_up(body(username=unique_username()))
    assert r.status_code == 201, r.text
    after = {t: n for (t, n, _) in db_snapshot()}
    for t in ("users", "emails", "passwords", "sessions", "refresh_tokens", "accounts",
              "memberships"):
        assert after[t] == before[t] + 1, "table %s: %s -> %s" % (t, before[t], after[t])


def test_sign_up_does_not_store_password_or_refresh_token_in_clear(fapi, db_path):
    import sqlite3
    b = body()
    r = fapi.sign_up(b)
    assert r.status_code == 201
    refresh = r.json()["tokens"]["refresh_token"]
    con = sqlite3.connect("file:%s?mode=ro" % db_path, uri=True)
    try:
        for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'"):
            for row in con.execute('SELECT * FROM "%s"' % name):
                text = repr(row)
                assert b["password"] not in text, "password in clear in table %s" % name
                assert refresh not in text, "refresh token in clear in table %s" % name
    finally:
        con.close()


@pytest.mark.parametrize("pw", ["a" * 8, "b" * 128, "\u00e9" * 128, "\U0001F600" * 8,
                                "  spaces  ", "\u4e2d\u6587\u5bc6\u7801\u5f88\u597d\u554a\u554a"],
                         ids=["8-ascii", "128-ascii", "128-two-byte", "8-emoji",
                              "spaces", "8-cjk"])
def test_sign_up_password_lengths_in_code_points_accepted(fapi, pw):
    r = fapi.sign_up(body(password=pw))
    assert r.status_code == 201, r.text


def test_sign_up_email_254_chars_accepted(fapi):
    import uuid
    local = ("e2e" + uuid.uuid4().hex + "x" * 64)[:64]
    domain = "a" * 63 + "." + "b" * 63 + "." + "c" * 57 + ".com"
    email = local + "@" + domain
    assert len(email) == 254
    r = fapi.sign_up(body(email=email))
    assert r.status_code == 201, r.text


USERNAME_MAKERS = {
    "3-chars": lambda h: "q" + h[:2],
    "32-chars": lambda h: "A" + (h * 2)[:31],
    "underscore": lambda h: "a_" + h[:8],
    "mixed-case": lambda h: "Zed_Z" + h[:6],
}


@pytest.mark.parametrize("kind", sorted(USERNAME_MAKERS))
def test_sign_up_username_formats_accepted(fapi, kind):
    import uuid
    name = USERNAME_MAKERS[kind](uuid.uuid4().hex)
    assert 3 <= len(name) <= 32
    r = fapi.sign_up(body(username=name))
    assert r.status_code == 201, r.text
    assert r.json()["profile"]["username"] == name


def test_sign_up_display_name_with_edge_spaces_accepted(fapi):
    # the contract refuses only control characters in a display name
    r = fapi.sign_up(body(display_name=" Ada  Lovelace "))
    assert r.status_code == 201, r.text


def test_sign_up_display_name_64_chars_accepted(fapi):
    r = fapi.sign_up(body(display_name="\u00e9" * 64))
    assert r.status_code == 201, r.text


# -- missing, unknown and mistyped fields ---------------------------------------------

def test_sign_up_empty_object_requires_email_and_password(api, db_unchanged):
    with db_unchanged():
        r = api.sign_up({})
    assert_problem(r, 400, "validation_failed", [("email", "required"), ("password", "required")])


def test_sign_up_missing_password(api, db_unchanged):
    with db_unchanged():
        r = api.sign_up({"email": unique_email()})
    p = assert_problem(r, 400, "validation_failed", [("password", "required")])
    assert not param_for(p, "email"), p


def test_sign_up_missing_email(api, db_unchanged):
    with db_unchanged():
        r = api.sign_up({"password": unique_password()})
    assert_problem(r, 400, "validation_failed", [("email", "required")])


@pytest.mark.parametrize("extra", ["admin", "Email", "is_bot", "status", "id"])
def test_sign_up_unknown_field_refused(api, extra, db_unchanged):
    b = body()
    b[extra] = True
    with db_unchanged():
        r = api.sign_up(b)
    assert_problem(r, 400, "validation_failed", [(extra, "unknown")])


TYPE_CASES = [
    ("email", 12345, "number"), ("email", True, "boolean"), ("email", ["a@example.com"], "array"),
    ("email", {"a": "b"}, "object"), ("email", 1.5, "number"),
    ("password", 12345678, "number"), ("password", ["long enough password"], "array"),
    ("password", False, "boolean"),
    ("username", 42, "number"), ("username", ["abc"], "array"),
    ("display_name", 7, "number"), ("display_name", {"x": 1}, "object"),
    ("invite_code", 5, "number"), ("client_id", 1, "number"),
]


@pytest.mark.parametrize("field,value,jtype", TYPE_CASES,
                         ids=["%s-%s" % (f, j) for f, _, j in TYPE_CASES])
def test_sign_up_wrong_type(api, field, value, jtype, db_unchanged):
    b = body()
    b[field] = value
    with db_unchanged():
        r = api.sign_up(b)
    p = assert_problem(r, 400, "validation_failed", [(field, "type", "string")])
    e = find_param(p, field, "type")
    if field != "password":
        assert e.get("received") in received_names(value), e


def test_sign_up_wrong_type_reports_every_field(fapi, db_unchanged):
    with db_unchanged():
        r = fapi.sign_up({"email": 1, "password": 2})
    assert_problem(r, 400, "validation_failed",
                   [("email", "type", "string"), ("password", "type", "string")])


# -- passwords ------------------------------------------------------------------

@pytest.mark.parametrize("pw", ["a" * 7, "b" * 129, "\u00e9" * 7, "\u00e9" * 129, "",
                                "\U0001F600" * 7],
                         ids=["7-ascii", "129-ascii", "7-two-byte", "129-two-byte", "empty",
                              "7-emoji"])
def test_sign_up_password_length_refused(api, pw, db_unchanged):
    with db_unchanged():
        r = api.sign_up(body(password=pw))
    p = assert_problem(r, 400, "validation_failed", [("password", "length", "8..128 characters")])
    e = find_param(p, "password", "length")
    if pw:
        assert pw not in json.dumps(e, ensure_ascii=False), "password echoed: %s" % e


@pytest.mark.parametrize("pw", ["long\u0000enough password", "\u0000" * 10,
                                "long enough password\u0000"],
                         ids=["middle", "all-nul", "trailing"])
def test_sign_up_password_with_nul_refused(api, pw, db_unchanged):
    with db_unchanged():
        r = api.sign_up(body(password=pw))
    p = assert_problem(r, 400, "validation_failed", [("password", "format", "password")])
    e = find_param(p, "password", "format")
    assert "received" not in e, "the password is echoed back: %s" % e


def test_sign_up_refused_password_never_echoed(fapi, db_unchanged):
    secret = "Sh0rt!"
    with db_unchanged():
        r = fapi.sign_up({"email": "not-an-email", "password": secret})
    assert r.status_code == 400
    assert secret not in r.text, r.text


# -- e-mail ---------------------------------------------------------------------

BAD_EMAILS = ["plainaddress", "@example.com", "user@", "user@@example.com",
              "user example@example.com", "user@exa mple.com", "user@example..com",
              "user\n@example.com", "<user@example.com>", "user@example.com ",
              " user@example.com", "user@.example.com", "user\u0000@example.com"]


@pytest.mark.parametrize("email", BAD_EMAILS, ids=range(len(BAD_EMAILS)))
def test_sign_up_bad_email_format(api, email, db_unchanged):
    with db_unchanged():
        r = api.sign_up(body(email=email))
    assert_problem(r, 400, "validation_failed", [("email", "format", "email")])


def test_sign_up_email_255_chars_refused(fapi, db_unchanged):
    email = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 58 + ".com"
    assert len(email) == 255
    with db_unchanged():
        r = fapi.sign_up(body(email=email))
    p = assert_problem(r, 400, "validation_failed")
    types = {e.get("type") for e in param_for(p, "email")}
    assert types & {"length", "format"}, p


def test_sign_up_empty_email_refused(fapi, db_unchanged):
    with db_unchanged():
        r = fapi.sign_up(body(email=""))
    p = assert_problem(r, 400, "validation_failed")
    assert param_for(p, "email"), p


# -- username and display name ---------------------------------------------------

BAD_USERNAMES = [("1abc", "format"), ("_abc", "format"), ("bad-name", "format"),
                 ("user name", "format"), ("h\u00e9llo", "format"), ("abc!", "format"),
                 ("ab", "length"), ("a" * 33, "length"), ("", "length")]


@pytest.mark.parametrize("username,kind", BAD_USERNAMES,
                         ids=["digit-first", "underscore-first", "dash", "space", "accent",
                              "bang", "2-chars", "33-chars", "empty"])
def test_sign_up_bad_username(api, username, kind, db_unchanged):
    with db_unchanged():
        r = api.sign_up(body(username=username))
    p = assert_problem(r, 400, "validation_failed")
    entries = param_for(p, "username")
    assert entries, p
    if kind == "format":
        find_param(p, "username", "format", "username")
    else:
        # too short/long: a length problem (a format one as well is fine)
        assert {e["type"] for e in entries} & {"length", "format"}, entries


@pytest.mark.parametrize("name", ["", "x" * 65, "bell\u0007", "line\nbreak", "tab\there",
                                  "del\u007f", "esc\u001b[31m"],
                         ids=["empty", "65", "bell", "newline", "tab", "del", "escape"])
def test_sign_up_bad_display_name(api, name, db_unchanged):
    with db_unchanged():
        r = api.sign_up(body(display_name=name))
    p = assert_problem(r, 400, "validation_failed")
    entries = param_for(p, "display_name")
    assert entries, p
    want = "length" if name in ("", "x" * 65) else "format"
    assert want in {e["type"] for e in entries}, entries


# -- invite codes and clients -----------------------------------------------------

@pytest.mark.parametrize("code", ["anything", "INVITE-123", ""])
def test_sign_up_any_invite_code_is_invalid(api, code, db_unchanged):
    with db_unchanged():
        r = api.sign_up(body(invite_code=code))
    p = assert_problem(r, 400, "validation_failed")
    assert param_for(p, "invite_code"), p
    if code:
        find_param(p, "invite_code", "invalid")


def test_sign_up_unknown_client_id(api, db_unchanged):
    with db_unchanged():
        r = api.sign_up(body(client_id="no-such-client"))
    assert_problem(r, 400, "validation_failed", [("client_id", "not_found")])


# -- conflicts ------------------------------------------------------------------

def test_sign_up_duplicate_email_is_409(api, new_user, db_unchanged):
    u = new_user()
    with db_unchanged():
        r = api.sign_up({"email": u["email"], "password": unique_password()})
    assert_problem(r, 409, "email_taken")


def test_sign_up_duplicate_email_other_case_is_409(api, new_user, db_unchanged):
    u = new_user()
    with db_unchanged():
        r = api.sign_up({"email": u["email"].upper(), "password": unique_password()})
    assert_problem(r, 409, "email_taken")


def test_duplicate_email_keeps_first_password(fapi, new_user):
    u = new_user()
    second = unique_password()
    r = fapi.sign_up({"email": u["email"].upper(), "password": second})
    assert r.status_code == 409, r.text
    ok = fapi.sign_in({"email": u["email"], "password": u["password"]})
    assert ok.status_code == 200, ok.text
    assert ok.json()["profile"]["id"] == u["profile"]["id"]


def test_duplicate_email_second_password_does_not_sign_in(fapi, new_user):
    u = new_user()
    second = unique_password()
    r = fapi.sign_up({"email": u["email"].upper(), "password": second})
    assert r.status_code == 409, r.text
    bad = fapi.sign_in({"email": u["email"], "password": second})
    assert_problem(bad, 401, "invalid_credentials")


def test_sign_up_duplicate_username_is_409(api, new_user, db_unchanged):
    u = new_user()
    with db_unchanged():
        r = api.sign_up(body(username=u["username"]))
    assert_problem(r, 409, "username_taken")


def test_sign_up_duplicate_username_other_case_is_409(api, new_user, db_unchanged):
    u = new_user()
    with db_unchanged():
        r = api.sign_up(body(username=u["username"].upper()))
    assert_problem(r, 409, "username_taken")


def test_sign_up_email_taken_with_new_username_creates_nothing(fapi, new_user, db_unchanged):
    u = new_user()
    fresh = unique_username()
    with db_unchanged():
        r = fapi.sign_up({"email": u["email"], "password": unique_password(),
                          "username": fresh})
    assert_problem(r, 409, "email_taken")
    # the username was not reserved by the refused sign-up
    again = fapi.sign_up(body(username=fresh))
    assert again.status_code == 201, again.text
