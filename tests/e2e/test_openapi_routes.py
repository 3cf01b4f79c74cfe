"""share/openapi.json covers every route of every program: the route tables
in src/*/main.c, each under its program's mount, must each be an operation
of the document (docs/api.md). Static: reads the sources, starts nothing."""

import glob
import json
import os
import re

import ghlib

METHODS = ("get", "post", "put", "patch", "delete")


def shape(path):
    """/v1/invites/{code} and /v1/invites/{id} are the same route."""
    return re.sub(r"\{[^}]+\}", "{}", path)


def routes(root):
    """(program, METHOD, full path) of every route table entry."""
    out = []
    for main in sorted(glob.glob(os.path.join(root, "src", "*", "main.c"))):
        prog = os.path.basename(os.path.dirname(main))
        src = open(main).read()
        m = re.search(r'struct gh_app app = \{\s*"[^"]+",\s*("[^"]*"|MOUNT)',
                      src)
        if m is None:
            continue        # the command-line tool
        mount = m.group(1)
        if mount == "MOUNT":
            mount = re.search(r'#define MOUNT\s+"([^"]*)"', src).group(1)
        mount = mount.strip('"').rstrip("/")
        for method, path in re.findall(
                r'\{\s*"(GET|POST|PUT|PATCH|DELETE)",\s*"([^"]*)"', src):
            full = mount + (path if path != "/" else "")
            out.append((prog, method, full or "/"))
    return out


def test_every_route_is_in_the_openapi_document():
    root = ghlib.repo_root()
    doc = json.load(open(os.path.join(root, "share", "openapi.json")))
    have = {(m.upper(), shape(p)) for p, ops in doc["paths"].items()
            for m in ops if m in METHODS}
    found = routes(root)
    # The parser must see the tables: every program has routes.
    assert {p for p, _, _ in found} >= {"auth", "users", "meta", "ui", "oauth",
                                         "mfa", "sessions", "waitlists",
                                         "accounts"}
    missing = [r for r in found if (r[1], shape(r[2])) not in have]
    assert missing == [], "routes missing from share/openapi.json: %s" % missing
