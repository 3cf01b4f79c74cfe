"""Membership tiers and capabilities (docs/membership.md) through lighttpd:
GET /v1/membership/me, tiers set by the admin command, capabilities that
come from the configuration (a change needs no migration), tiers that
ended or left the configuration."""

import os
import subprocess
import time

import pytest
import requests

import ghlib
from ghlib import TIMEOUT, assert_problem, unique_email, unique_password

TIERS = {
    "membership_tiers": "free pro team",
    "membership_tier_free": "profile:edit",
    "membership_tier_pro": "cloud:deploy invite:create",
    "membership_tier_team": "server:create oauth_app:create",
}


@pytest.fixture(scope="module")
def srv(root):
    with ghlib.running_server(root, settings=dict(TIERS)) as s:
        yield s


def user(srv):
    r = requests.post(srv.base_url + "/v1/auth/sign-up",
                      json={"email": unique_email("tier"),
                            "password": unique_password()}, timeout=TIMEOUT)
    assert r.status_code == 201, r.text
    return r.json()


def me(srv, u):
    return requests.get(srv.base_url + "/v1/membership/me", timeout=TIMEOUT,
                        headers={"Authorization": "Bearer " +
                                 u["tokens"]["access_token"]})


def set_tier(srv, u, tier):
    return subprocess.run([srv.root + "/src/cli/gatehouse", "user", "tier",
                           u["profile"]["id"], tier], capture_output=True,
                          text=True, timeout=30,
                          env=ghlib.clean_env(GATEHOUSE_CONFIG=srv.conf_path))


def test_a_new_user_is_at_the_lowest_tier(srv):
    r = me(srv, user(srv))
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "none", "tier": "free", "level": 0,
                        "is_member": False, "capabilities": ["profile:edit"],
                        "expires_at": None}


def test_a_tier_brings_its_capabilities_and_those_below(srv):
    u = user(srv)
    r = set_tier(srv, u, "team")
    assert r.returncode == 0, r.stderr
    body = me(srv, u).json()
    assert body["status"] == "active" and body["tier"] == "team"
    assert body["level"] == 2 and body["is_member"] is True
    assert body["capabilities"] == ["profile:edit", "cloud:deploy",
                                    "invite:create", "server:create",
                                    "oauth_app:create"]
    assert ("tier_changed",) in srv.query(
        "SELECT action FROM action_logs WHERE user_id = ?", u["profile"]["id"])
    # Back to the lowest: no membership row is left.
    assert set_tier(srv, u, "free").returncode == 0
    assert me(srv, u).json()["tier"] == "free"
    assert srv.query("SELECT count(*) FROM user_tiers WHERE user_id = ?",
                     u["profile"]["id"]) == [(0,)]


def test_an_unknown_tier_is_refused(srv):
    u = user(srv)
    r = set_tier(srv, u, "gold")
    assert r.returncode == 1 and "no tier gold" in r.stderr
    assert me(srv, u).json()["tier"] == "free"


def test_an_ended_tier_is_the_lowest(srv):
    u = user(srv)
    assert set_tier(srv, u, "pro").returncode == 0
    srv.query("UPDATE user_tiers SET expires_at = ? WHERE user_id = ?",
              int(time.time()) - 5, u["profile"]["id"])
    body = me(srv, u).json()
    assert body["status"] == "expired" and body["tier"] == "free"
    assert body["capabilities"] == ["profile:edit"] and not body["is_member"]


def restart_accounts(srv):
    """accounts.fcgi reads the configuration when it starts: end it and
    wait for lighttpd's next one to answer."""
    srv.kill_backends("accounts.fcgi")
    for _ in range(100):
        r = requests.get(srv.base_url + "/v1/membership/me", timeout=TIMEOUT)
        if r.status_code == 401:
            return
        time.sleep(0.1)
    raise AssertionError("accounts.fcgi did not come back")


def test_capabilities_change_with_the_configuration(srv):
    """A new capability and a new tier: configuration only, no migration;
    the programs read it when they start."""
    u = user(srv)
    assert set_tier(srv, u, "pro").returncode == 0
    version = srv.query("SELECT max(version) FROM schema_migrations")
    with open(srv.conf_path) as f:
        text = f.read()
    try:
        with open(srv.conf_path, "w") as f:
            f.write(text.replace("membership_tiers = free pro team",
                                 "membership_tiers = free pro plus team")
                    .replace("membership_tier_pro = cloud:deploy invite:create",
                             "membership_tier_pro = cloud:deploy invite:create "
                             "media:upload\nmembership_tier_plus = gpu:use"))
        restart_accounts(srv)
        body = me(srv, u).json()
        assert body["capabilities"] == ["profile:edit", "cloud:deploy",
                                        "invite:create", "media:upload"]
        assert set_tier(srv, u, "plus").returncode == 0
        body = me(srv, u).json()
        assert body["tier"] == "plus" and body["level"] == 2
        assert body["capabilities"][-1] == "gpu:use"
        # The tier leaves the configuration: its users are at the lowest.
        with open(srv.conf_path, "w") as f:
            f.write(text)
        restart_accounts(srv)
        assert me(srv, u).json()["tier"] == "free"
    finally:
        with open(srv.conf_path, "w") as f:
            f.write(text)
        restart_accounts(srv)
    assert srv.query("SELECT max(version) FROM schema_migrations") == version


def test_membership_needs_a_session_and_get(srv):
    r = requests.get(srv.base_url + "/v1/membership/me", timeout=TIMEOUT)
    assert_problem(r, 401, "unauthorized")
    u = user(srv)
    r = requests.post(srv.base_url + "/v1/membership/me", json={},
                      timeout=TIMEOUT, headers={"Authorization": "Bearer " +
                                                u["tokens"]["access_token"]})
    assert_problem(r, 405, "method_not_allowed")
    r = requests.get(srv.base_url + "/v1/membership/nope", timeout=TIMEOUT)
    assert_problem(r, 404, "not_found")


def test_membership_in_every_serving_mode(api, new_user):
    u = new_user()
    r = requests.get(api.membership + "/me", timeout=TIMEOUT,
                     headers={"Authorization": "Bearer " + u["access"]})
    assert r.status_code == 200, r.text
    assert r.json()["tier"] == "free" and r.json()["capabilities"] == []


@pytest.mark.parametrize("bad", [
    "membership_tiers = Free", "membership_tiers = free free",
    "membership_tiers =", "membership_tier_gold = x",
    "membership_tier_free = Bad:Cap",
])
def test_bad_tier_configuration_is_refused(tmp_path, bad):
    conf = tmp_path / "g.conf"
    conf.write_text("data_dir = %s\n%s\n" % (tmp_path, bad))
    r = subprocess.run([os.path.join(ghlib.repo_root(), "src/cli/gatehouse"),
                        "check"], capture_output=True, text=True, timeout=30,
                       env=ghlib.clean_env(GATEHOUSE_CONFIG=str(conf)))
    out = r.stdout + r.stderr
    assert r.returncode != 0 and "membership_tier" in out, out
