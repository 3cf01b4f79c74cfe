"""A failure inside the server is a 500 problem that says nothing internal.

Its own lighttpd, whose database loses a table after start-up: every
route that needs the table then fails inside SQLite. The answer must be
problem+json `internal_error`, with no SQL, table name, file path or
SQLite message in it, and the reason must reach the error log instead.
"""

import sqlite3

import pytest

from ghlib import Api, assert_problem, running_server, unique_email, \
    unique_password

LEAKS = ("sqlite", "SELECT", "memberships", "no such table", "/tmp", ".db",
         "lib/", ".c:")


@pytest.fixture
def broken_server(root):
    with running_server(root) as srv:
        yield srv


def test_internal_failure_is_a_bare_500(broken_server):
    srv = broken_server
    api = Api(srv.base_url, "fcgi")
    body = {"email": unique_email("broken"), "password": unique_password()}
    r = api.sign_up(body)
    assert r.status_code == 201, r.text
    token = r.json()["tokens"]["access_token"]

    con = sqlite3.connect(srv.db_path)
    con.execute("PRAGMA foreign_keys=OFF")
    con.execute("DROP TABLE memberships")
    con.commit()
    con.close()

    r = api.me(token)
    p = assert_problem(r, 500, "internal_error")
    assert set(p) <= {"type", "title", "status", "code", "detail"}, p
    for word in LEAKS:
        assert word.lower() not in r.text.lower(), (word, r.text)
    assert "no such table" in srv.log_text() or "memberships" in srv.log_text()
