"""Fixtures of the Gatehouse end-to-end suite.

One lighttpd (session scope) serves every test except the durability test,
which starts and crashes its own. The `api` fixture also runs the core
tests through Apache (mod_fcgid, mod_proxy_fcgi + spawn-fcgi, plain CGI)
and nginx (+ spawn-fcgi): `fronts` starts each once, on the lighttpd
server's data directory and gatehouse.conf (ghlib.MODES, docs/deploy-*.md). ROOT is the source tree (two levels up, or
$GATEHOUSE_E2E_ROOT); the programs must have been built there.
"""

import contextlib
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ghlib  # noqa: E402
from ghlib import Api, Server  # noqa: E402

ROOT = ghlib.repo_root()


@pytest.fixture(scope="session")
def root():
    return ROOT


@pytest.fixture(scope="session")
def server():
    with ghlib.running_server(ROOT) as srv:
        yield srv


@pytest.fixture(scope="session")
def base_url(server):
    return server.base_url


@pytest.fixture(scope="session")
def var_dir(server):
    return server.var


@pytest.fixture(scope="session")
def db_path(server):
    return server.db_path


@pytest.fixture(scope="session")
def fronts(server):
    """fronts(mode) -> the started ApacheServer/NginxServer of that mode
    (ghlib.MODES), started on first use and kept for the session; all of
    them share the lighttpd server's data directory and gatehouse.conf. A
    server that is not installed or does not start FAILS the tests that
    need it. At the end every one is stopped, with its programs."""
    started = {}
    failed = {}

    def get(mode):
        if mode in failed:
            pytest.fail(failed[mode], pytrace=False)
        if mode not in started:
            front = ghlib.FRONT_SERVERS[mode](server)
            try:
                front.start()
            except Exception as e:
                front.stop()
                failed[mode] = "%s: %s" % (mode, e)
                pytest.fail(failed[mode], pytrace=False)
            started[mode] = front
        return started[mode]
    yield get
    for front in started.values():
        front.stop()
    left = ghlib.web_user_programs(server.conf_path)
    if left:
        ghlib.reap(ghlib.FrontServer.kill_pids(left))
        pytest.fail("programs left running after the servers stopped: %s" % left,
                    pytrace=False)


@pytest.fixture(scope="session", params=list(ghlib.MODES))
def api(request, server, fronts):
    """The routes in every serving mode (ghlib.MODES): lighttpd FastCGI
    (/v1/auth, /v1/users, /health) and plain CGI (/cgi-bin/auth.fcgi, ...),
    Apache with mod_fcgid, mod_proxy_fcgi + spawn-fcgi and plain CGI, and
    nginx + spawn-fcgi: core tests run through all of them."""
    mode = request.param
    if ghlib.MODES[mode][0] == "lighttpd":
        return Api(server.base_url, mode)
    return Api(fronts(mode).base_url, mode)


@pytest.fixture(scope="session")
def fapi(server):
    """FastCGI routes only (for tests that need not run twice)."""
    return Api(server.base_url, "fcgi")


@pytest.fixture(scope="session")
def db_snapshot(server):
    """db_snapshot() -> tuple of (table, row count, rows) of the main tables."""
    return server.db_snapshot


def _snapshot_diff(before, after):
    lines = []
    for (t, n0, rows0), (_, n1, rows1) in zip(before, after):
        if (n0, rows0) != (n1, rows1):
            added = set(rows1) - set(rows0)
            removed = set(rows0) - set(rows1)
            lines.append("table %s: %s -> %s rows; added %r; removed %r"
                         % (t, n0, n1, sorted(added, key=repr)[:3],
                            sorted(removed, key=repr)[:3]))
    return "\n".join(lines)


@pytest.fixture
def db_unchanged(server):
    """with db_unchanged(): ... asserts the main tables are identical after
    the block (a refused request must not write anything)."""
    @contextlib.contextmanager
    def check(tables=ghlib.SNAPSHOT_TABLES):
        before = server.db_snapshot(tables)
        assert all(n is not None for (_, n, _) in before), \
            "tables missing from the database: %s" % [t for (t, n, _) in before if n is None]
        yield
        after = server.db_snapshot(tables)
        assert before == after, "database changed:\n" + _snapshot_diff(before, after)
    return check


@pytest.fixture(scope="session")
def new_user(server):
    """new_user(api=None, username=True, **fields) signs a fresh unique user
    up and returns a dict: email, password, username, tokens, access,
    refresh, profile, response."""
    default_api = Api(server.base_url, "fcgi")

    def make(api=None, username=True, **fields):
        a = api or default_api
        body = {"email": ghlib.unique_email(), "password": ghlib.unique_password()}
        if username is True:
            body["username"] = ghlib.unique_username()
        elif username:
            body["username"] = username
        body.update(fields)
        r = a.sign_up(body)
        assert r.status_code == 201, "sign-up failed: %d %s" % (r.status_code, r.text[:500])
        j = r.json()
        return {
            "email": body["email"],
            "password": body["password"],
            "username": body.get("username"),
            "tokens": j["tokens"],
            "access": j["tokens"]["access_token"],
            "refresh": j["tokens"]["refresh_token"],
            "profile": j["profile"],
            "response": r,
        }
    return make


@pytest.fixture
def user(new_user):
    """A fresh user signed up through FastCGI."""
    return new_user()


@pytest.fixture(scope="session")
def jwks(server):
    import requests
    r = requests.get(server.base_url + "/.well-known/jwks.json", timeout=ghlib.TIMEOUT)
    assert r.status_code == 200, r.text
    return r.json()


# -- sibling servers -------------------------------------------------------------
#
# A second lighttpd reading the same data directory (same keys, same
# database) under another configuration mints tokens the main server must
# refuse: expired ones (short access_ttl) or ones of another issuer.

@pytest.fixture(scope="session")
def sibling(server, root):
    started = []

    def start(**settings):
        s = Server(root, settings=settings, data_dir=server.data_dir)
        started.append(s)
        try:
            s.start(run_init=False)
        except Exception as e:
            pytest.fail(str(e), pytrace=False)
        return s
    yield start
    for s in started:
        s.stop()
        s.cleanup()


@pytest.fixture(scope="session")
def expiring_token(server, sibling):
    """An access token of the main server's issuer with a 30 s lifetime,
    and the main server's answer to it while it was fresh."""
    s = sibling(access_ttl=ghlib.EXPIRING_TTL, issuer=server.issuer)
    a = Api(s.base_url, "fcgi")
    r = a.sign_up({"email": ghlib.unique_email("expiring"),
                   "password": ghlib.unique_password()})
    assert r.status_code == 201, r.text
    tok = r.json()["tokens"]["access_token"]
    fresh = Api(server.base_url, "fcgi").me(tok)
    return {"token": tok, "fresh_status": fresh.status_code}


@pytest.fixture(scope="session", autouse=True)
def _mint_expiring_token_early(request):
    """The expiry test needs a token 30 s old: mint it when the session
    starts so the wait overlaps the other tests."""
    if any("expired" in item.name for item in request.session.items):
        request.getfixturevalue("expiring_token")


def pytest_collection_modifyitems(config, items):
    """test_body_rules.py: routes outside its EVERY_MODE run in the "fcgi"
    mode only (see there)."""
    keep, drop = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        every = getattr(item.module, "EVERY_MODE", None)
        if (every is not None and "route" in params and
                params.get("api", "fcgi") != "fcgi" and
                params["route"] not in every):
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
