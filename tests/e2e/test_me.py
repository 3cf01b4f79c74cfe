"""GET and PATCH /v1/auth/me."""

import json

import pytest

from ghlib import (assert_common_headers, assert_problem, check_session_profile,
                   find_param, media_type, param_for, received_names,
                   unique_username)


def test_get_me_returns_session_profile(api, new_user):
    u = new_user(display_name="Me Myself")
    r = api.me(u["access"])
    assert r.status_code == 200, r.text
    assert media_type(r) == "application/json"
    assert_common_headers(r)
    p = check_session_profile(r.json(), email=u["email"], username=u["username"])
    assert p["display_name"] == "Me Myself"


def test_get_me_matches_sign_up_profile(fapi, new_user):
    u = new_user()
    assert fapi.me(u["access"]).json() == u["profile"]


# -- PATCH: each field -----------------------------------------------------------

# field -> (value, where it shows in the SessionProfile: None = top level)
FIELDS = {
    "display_name": ("New \u00c9name", None),
    "avatar_url": ("https://cdn.example.com/a/b.png?size=64", None),
    "given_name": ("Ada", "identity"),
    "family_name": ("Lovelace-Byron", "identity"),
    "locale": ("pt-BR", "identity"),
    "preferred_language": ("en", "identity"),
    "timezone": ("Europe/Paris", "identity"),
}


def _get(profile, field, where):
    return profile[where][field] if where else profile[field]


@pytest.mark.parametrize("field", sorted(FIELDS))
def test_patch_me_sets_field(api, new_user, field):
    u = new_user()
    value, where = FIELDS[field]
    r = api.patch_me(u["access"], {field: value})
    assert r.status_code == 200, r.text
    assert_common_headers(r)
    p = check_session_profile(r.json(), email=u["email"])
    assert _get(p, field, where) == value, p


@pytest.mark.parametrize("field", sorted(FIELDS))
def test_patch_me_change_persists(fapi, new_user, field):
    u = new_user()
    value, where = FIELDS[field]
    assert fapi.patch_me(u["access"], {field: value}).status_code == 200
    p = fapi.me(u["access"]).json()
    assert _get(p, field, where) == value, p


@pytest.mark.parametrize("field", sorted(FIELDS))
def test_patch_me_null_clears(api, new_user, field):
    u = new_user()
    value, where = FIELDS[field]
    assert api.patch_me(u["access"], {field: value}).status_code == 200
    r = api.patch_me(u["access"], {field: None})
    assert r.status_code == 200, r.text
    assert _get(r.json(), field, where) is None
    assert _get(api.me(u["access"]).json(), field, where) is None


def test_patch_me_username(api, new_user):
    u = new_user()
    name = unique_username()
    r = api.patch_me(u["access"], {"username": name})
    assert r.status_code == 200, r.text
    assert r.json()["username"] == name
    assert api.me(u["access"]).json()["username"] == name


def test_patch_me_new_username_signs_in(fapi, new_user):
    u = new_user()
    name = unique_username()
    assert fapi.patch_me(u["access"], {"username": name}).status_code == 200
    r = fapi.sign_in({"username": name, "password": u["password"]})
    assert r.status_code == 200, r.text


def test_patch_me_old_username_is_freed(fapi, new_user):
    u = new_user()
    old = u["username"]
    assert fapi.patch_me(u["access"], {"username": unique_username()}).status_code == 200
    r = fapi.sign_in({"username": old, "password": u["password"]})
    assert_problem(r, 401, "invalid_credentials")


def test_patch_me_username_on_user_without_one(fapi, new_user):
    u = new_user(username=False)
    name = unique_username()
    r = fapi.patch_me(u["access"], {"username": name})
    assert r.status_code == 200, r.text
    assert r.json()["username"] == name


def test_patch_me_several_fields(api, new_user):
    u = new_user()
    body = {k: v for k, (v, _) in FIELDS.items()}
    r = api.patch_me(u["access"], body)
    assert r.status_code == 200, r.text
    p = r.json()
    for field, (value, where) in FIELDS.items():
        assert _get(p, field, where) == value, field


def test_patch_me_leaves_other_fields(fapi, new_user):
    u = new_user(display_name="Keep Me")
    assert fapi.patch_me(u["access"], {"given_name": "Grace"}).status_code == 200
    p = fapi.me(u["access"]).json()
    assert p["display_name"] == "Keep Me"
    assert p["username"] == u["username"]
    assert p["identity"]["given_name"] == "Grace"


def test_patch_me_only_changes_own_user(fapi, new_user):
    a, b = new_user(display_name="A"), new_user(display_name="B")
    assert fapi.patch_me(a["access"], {"display_name": "A2"}).status_code == 200
    assert fapi.me(b["access"]).json()["display_name"] == "B"


def test_patch_me_shows_in_public_profile(fapi, new_user):
    u = new_user()
    assert fapi.patch_me(u["access"], {"display_name": "Public Name",
                                       "avatar_url": "http://example.com/x.jpg"}).status_code == 200
    pub = fapi.user(u["profile"]["id"]).json()
    assert pub["display_name"] == "Public Name"
    assert pub["avatar_url"] == "http://example.com/x.jpg"


@pytest.mark.parametrize("value", ["a" * 64, "\u00e9" * 64],
                         ids=["64-ascii", "64-two-byte"])
def test_patch_me_64_char_names_accepted(fapi, new_user, value):
    u = new_user()
    r = fapi.patch_me(u["access"], {"given_name": value, "family_name": value,
                                    "display_name": value})
    assert r.status_code == 200, r.text


def test_patch_me_avatar_url_2048_accepted(fapi, new_user):
    u = new_user()
    url = "https://example.com/" + "a" * (2048 - len("https://example.com/"))
    assert len(url) == 2048
    r = fapi.patch_me(u["access"], {"avatar_url": url})
    assert r.status_code == 200, r.text
    assert r.json()["avatar_url"] == url


@pytest.mark.parametrize("tz", ["America/Argentina/Buenos_Aires", "UTC", "Asia/Kolkata"])
def test_patch_me_timezones_accepted(fapi, new_user, tz):
    u = new_user()
    r = fapi.patch_me(u["access"], {"timezone": tz})
    assert r.status_code == 200, r.text
    assert r.json()["identity"]["timezone"] == tz


# -- PATCH: refused values -------------------------------------------------------------

@pytest.fixture(scope="module")
def patcher(new_user):
    """One user for refused PATCHes (they change nothing)."""
    return new_user(display_name="Unchanged")


BAD_VALUES = [
    ("display_name", "", "length"), ("display_name", "x" * 65, "length"),
    ("display_name", "bell\u0007", "format"), ("display_name", "new\nline", "format"),
    ("given_name", "", "length"), ("given_name", "g" * 65, "length"),
    ("given_name", "ctl\u0001", "format"),
    ("family_name", "", "length"), ("family_name", "f" * 65, "length"),
    ("avatar_url", "ftp://example.com/a.png", "format"),
    ("avatar_url", "javascript:alert(1)", "format"),
    ("avatar_url", "not a url", ("length", "format")),
    ("avatar_url", "https://", ("length", "format")),
    ("avatar_url", "mailto:someone@example.com", "format"),
    ("avatar_url", "//example.com/a.png", "format"),
    ("avatar_url", "https://example.com/" + "a" * 2029, ("length", "format")),
    ("locale", "not a locale", "format"), ("locale", "", ("length", "format")),
    ("locale", "en_US!", "format"),
    ("preferred_language", "english please", "format"), ("preferred_language", "!!", "format"),
    ("timezone", "Europe Paris", "format"), ("timezone", "../../etc/passwd", "format"),
    ("timezone", "", ("length", "format")),
    ("username", "1abc", "format"), ("username", "bad-name", "format"),
    ("username", "ab", ("length", "format")), ("username", "a" * 33, ("length", "format")),
]


@pytest.mark.parametrize("field,value,kind", BAD_VALUES,
                         ids=["%s-%d" % (f, i) for i, (f, _, _) in enumerate(BAD_VALUES)])
def test_patch_me_bad_value(api, patcher, field, value, kind, db_unchanged):
    with db_unchanged():
        r = api.patch_me(patcher["access"], {field: value})
    p = assert_problem(r, 400, "validation_failed")
    kinds = kind if isinstance(kind, tuple) else (kind,)
    entries = param_for(p, field)
    assert entries, p
    assert {e["type"] for e in entries} & set(kinds), entries
    for e in entries:
        assert e.get("in") == "body", e


def test_patch_me_format_expected_names(fapi, patcher, db_unchanged):
    with db_unchanged():
        r = fapi.patch_me(patcher["access"], {"avatar_url": "ftp://x.example/a",
                                              "username": "9lives"})
    p = assert_problem(r, 400, "validation_failed")
    find_param(p, "avatar_url", "format", "url")
    find_param(p, "username", "format", "username")


def test_patch_me_username_null_refused(api, patcher, db_unchanged):
    with db_unchanged():
        r = api.patch_me(patcher["access"], {"username": None})
    p = assert_problem(r, 400, "validation_failed")
    e = find_param(p, "username", "type", "string")
    assert e.get("received") == "null", e


NULLABLE = ["display_name", "avatar_url", "given_name", "family_name", "locale",
            "preferred_language", "timezone"]


@pytest.mark.parametrize("field", NULLABLE)
def test_patch_me_wrong_type(fapi, patcher, field, db_unchanged):
    with db_unchanged():
        r = fapi.patch_me(patcher["access"], {field: 42})
    p = assert_problem(r, 400, "validation_failed")
    e = find_param(p, field, "type", "string or null")
    assert e.get("received") in received_names(42), e


@pytest.mark.parametrize("value,jtype", [(True, "boolean"), ([], "array"), ({}, "object"),
                                         (3, "number")])
def test_patch_me_username_wrong_type(api, patcher, value, jtype, db_unchanged):
    with db_unchanged():
        r = api.patch_me(patcher["access"], {"username": value})
    p = assert_problem(r, 400, "validation_failed")
    e = find_param(p, "username", "type", "string")
    assert e.get("received") in received_names(value), e


@pytest.mark.parametrize("extra", ["email", "password", "is_bot", "status", "banner_url",
                                   "id", "mfa_enabled"])
def test_patch_me_unknown_field(api, patcher, extra, db_unchanged):
    with db_unchanged():
        r = api.patch_me(patcher["access"], {extra: "x", "display_name": "Not Applied"})
    assert_problem(r, 400, "validation_failed", [(extra, "unknown")])
    assert api.me(patcher["access"]).json()["display_name"] == "Unchanged"


def test_patch_me_one_bad_field_applies_nothing(fapi, patcher, db_unchanged):
    with db_unchanged():
        r = fapi.patch_me(patcher["access"], {"display_name": "Half Applied",
                                              "timezone": "Not A Zone"})
    assert_problem(r, 400, "validation_failed", [("timezone", "format")])
    assert fapi.me(patcher["access"]).json()["display_name"] == "Unchanged"


def test_patch_me_username_taken(api, new_user, patcher, db_unchanged):
    other = new_user()
    with db_unchanged():
        r = api.patch_me(patcher["access"], {"username": other["username"]})
    assert_problem(r, 409, "username_taken")


def test_patch_me_username_taken_other_case(fapi, new_user, patcher, db_unchanged):
    other = new_user()
    with db_unchanged():
        r = fapi.patch_me(patcher["access"], {"username": other["username"].upper()})
    assert_problem(r, 409, "username_taken")


def test_patch_me_without_token(api, db_unchanged):
    with db_unchanged():
        r = api.patch_me(None, {"display_name": "Nobody"})
    assert_problem(r, 401, "unauthorized")


def test_patch_me_with_garbage_token(fapi, db_unchanged):
    with db_unchanged():
        r = fapi.patch_me("garbage", {"display_name": "Nobody"})
    assert_problem(r, 401, "invalid_token")


def test_patch_me_unauthenticated_bad_body_is_401_or_400(fapi, db_unchanged):
    # Without a token nothing is revealed about the body either way; the
    # request must be refused without any change.
    with db_unchanged():
        r = fapi.patch_me(None, raw=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code in (400, 401), r.text
    assert_problem(r, r.status_code, r.json()["code"])


def test_patch_me_invalid_utf8(api, patcher, db_unchanged):
    with db_unchanged():
        r = api.patch_me(patcher["access"], raw=b'{"display_name": "\xff\xfe"}',
                         headers={"Content-Type": "application/json"})
    assert_problem(r, 400, "malformed_json")


def test_patch_me_text_plain_is_415(api, patcher, db_unchanged):
    with db_unchanged():
        r = api.patch_me(patcher["access"], raw=json.dumps({"display_name": "X"}).encode(),
                         headers={"Content-Type": "text/plain"})
    assert_problem(r, 415, "unsupported_media_type")
