"""A stand-in for GitHub's OAuth web flow and user API, on 127.0.0.1.

Standard library only. In pytest:

    gh = GitHubStandin(clients={"Iv1.test": ("gh-secret", "http://127.0.0.1:8080/cb")})
    gh.start()                       # gh.url == "http://127.0.0.1:PORT"
    gh.set_user(login="octo", id=42, name="Octo Cat",
                emails=[("octo@example.test", True, True)])   # (email, primary, verified)
    ...                              # Gatehouse goes to gh.url + "/login/oauth/authorize?..."
    gh.last("/login/oauth/access_token")["form"]["code_verifier"]
    gh.down = "503"                  # or "close", "hang"; None for up again
    gh.stop()

Standalone:  python3 github_standin.py [--port N] [--client-id ID]
             [--client-secret S] [--callback URL]   (prints "ready URL")

The routes of github.com and of api.github.com are both served here, at
the same URL:

GET  /login/oauth/authorize?client_id&redirect_uri&state&scope
     [&code_challenge&code_challenge_method=S256]
     302 to redirect_uri (default: the client's callback) with code and
     state, with no page in between. Unknown client_id: a 404 HTML page.
     A redirect_uri that is not the callback URL or below it (same scheme,
     host and port): 302 to the callback with error=redirect_uri_mismatch,
     as GitHub does. code_challenge_method other than S256: 302 with
     error=invalid_request. deny_next(): one 302 with error=access_denied.
POST /login/oauth/access_token   form client_id, client_secret (or HTTP
     Basic), code, redirect_uri, code_verifier. Accept: application/json ->
     JSON {access_token, token_type: "bearer", scope}, else form-encoded.
     Errors answer HTTP 200 like GitHub: incorrect_client_credentials
     (unknown client or wrong secret), redirect_uri_mismatch (not the
     authorize one), bad_verification_code (unknown, used, expired code,
     another client's code, missing or wrong code_verifier).
GET  /user          Authorization: Bearer|token TOKEN -> the user of the
                    token (as at authorization time).
GET  /user/emails   -> [{email, primary, verified, visibility}] (needs the
                    user:email or user scope when enforce_scopes: else 404
                    like GitHub).
     No User-Agent: 403 text. No token: 401 "Requires authentication".
     Bad token: 401 {"message": "Bad credentials", ...}.
"""

import argparse
import base64
import copy
import hashlib
import html
import json
import secrets
import socket
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DOCS = "https://docs.github.com"
TOKEN_ERRORS = {
    "incorrect_client_credentials": (
        "The client_id and/or client_secret passed are incorrect.",
        DOCS + "/apps/managing-oauth-apps/troubleshooting-oauth-app-access-"
        "token-request-errors/#incorrect-client-credentials"),
    "redirect_uri_mismatch": (
        "The redirect_uri MUST match the registered callback URL for this "
        "application.",
        DOCS + "/apps/managing-oauth-apps/troubleshooting-authorization-"
        "request-errors/#redirect-uri-mismatch2"),
    "bad_verification_code": (
        "The code passed is incorrect or expired.",
        DOCS + "/apps/managing-oauth-apps/troubleshooting-oauth-app-access-"
        "token-request-errors/#bad-verification-code"),
    "unsupported_grant_type": (
        "The grant type is not supported.", DOCS + "/apps/oauth-apps"),
}
CODE_TTL = 600  # GitHub's codes live 10 minutes

DEFAULT_USER = {
    "login": "octocat",
    "id": 583231,
    "name": "The Octocat",
    "emails": [{"email": "octocat@example.test", "primary": True,
                "verified": True, "visibility": "public"}],
}


def _b64url_sha256(s):
    d = hashlib.sha256(s.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(d).rstrip(b"=").decode("ascii")


def _norm_email(e):
    if isinstance(e, str):
        return {"email": e, "primary": False, "verified": True,
                "visibility": None}
    if isinstance(e, (tuple, list)):
        email, primary, verified = (list(e) + [False, True])[:3]
        vis = e[3] if len(e) > 3 else ("public" if primary else None)
        return {"email": email, "primary": bool(primary),
                "verified": bool(verified), "visibility": vis}
    d = dict(e)
    d.setdefault("primary", False)
    d.setdefault("verified", True)
    d.setdefault("visibility", "public" if d["primary"] else None)
    return d


class GitHubStandin:
    """See the module docstring. Attributes a test may set at any time:
    down (None | "close" | "503" | "hang"), hang_seconds, enforce_scopes,
    require_user_agent. Everything else through the methods."""

    def __init__(self, clients=None, port=0, user=None):
        # client_id -> {"secret": ..., "callback": URL or None (any)}
        self.clients = {}
        for cid, v in (clients or {}).items():
            if isinstance(v, (tuple, list)):
                self.add_client(cid, *v)
            else:
                self.add_client(cid, v["secret"], v.get("callback"))
        self.port = port
        self.down = None
        self.hang_seconds = 30
        self.enforce_scopes = True
        self.require_user_agent = True
        self.lock = threading.RLock()
        self.codes = {}    # code -> grant dict
        self.tokens = {}   # token -> {"user", "scope", "client_id"}
        self.requests = []  # every request, oldest first
        self._deny = 0
        self._server = None
        self._thread = None
        self.user = None
        self.set_user(**(user or DEFAULT_USER))

    # ------------------------------------------------------------ control

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    api_url = url

    def add_client(self, client_id, client_secret, callback=None):
        """Registers an OAuth app; callback None accepts any redirect_uri."""
        self.clients[client_id] = {"secret": client_secret,
                                   "callback": callback}

    def set_user(self, login, id, name=None, emails=None, email=None,
                 avatar_url=None, **extra):
        """The user of the next authorizations. emails: a list of dicts
        {email, primary, verified, visibility} or tuples (email, primary,
        verified[, visibility]) or plain strings (verified, not primary).
        email: the public email of GET /user (default: the primary email
        if its visibility is "public", else null; pass email=None
        explicitly via public_email=None to force null)."""
        emails = [_norm_email(e) for e in (emails or [])]
        if "public_email" in extra:
            public = extra.pop("public_email")
        elif email is not None:
            public = email
        else:
            prim = [e for e in emails if e["primary"]]
            public = (prim[0]["email"] if prim
                      and prim[0].get("visibility") == "public" else None)
        with self.lock:
            self.user = {"login": login, "id": int(id), "name": name,
                         "email": public, "emails": emails,
                         "avatar_url": avatar_url
                         or "https://avatars.githubusercontent.com/u/%d?v=4"
                         % int(id),
                         "extra": extra}
        return self.user

    def deny_next(self, n=1):
        """The next n authorizations answer error=access_denied."""
        self._deny = n

    def revoke_all(self):
        with self.lock:
            self.tokens.clear()
            self.codes.clear()

    def reset(self):
        with self.lock:
            self.down = None
            self.enforce_scopes = True
            self.require_user_agent = True
            self._deny = 0
            self.codes.clear()
            self.tokens.clear()
            self.requests.clear()
        self.set_user(**DEFAULT_USER)

    def last(self, path=None):
        """The last request (dict: method, path, query, headers, form,
        at), or the last one whose path starts with `path`; None if none."""
        with self.lock:
            for r in reversed(self.requests):
                if path is None or r["path"].startswith(path):
                    return r
        return None

    def requests_to(self, path):
        with self.lock:
            return [r for r in self.requests if r["path"].startswith(path)]

    # ------------------------------------------------------------ server

    def start(self):
        standin = self

        class Handler(_Handler):
            pass
        Handler.standin = standin
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.1},
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread:
            self._thread.join(5)
            self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # ------------------------------------------------------------ logic

    def _authorize(self, q):
        cid = q.get("client_id", "")
        client = self.clients.get(cid)
        if client is None:
            return ("html", 404, _NOT_FOUND_PAGE)
        callback = client["callback"]
        redirect_uri = q.get("redirect_uri") or callback
        state = q.get("state")
        if not redirect_uri:
            return ("html", 400, "<p>no redirect_uri and no callback</p>")
        if callback and not _below(redirect_uri, callback):
            desc, uri = TOKEN_ERRORS["redirect_uri_mismatch"]
            return ("redirect", callback, [
                ("error", "redirect_uri_mismatch"), ("error_description", desc),
                ("error_uri", uri), ("state", state)])
        if self._deny > 0:
            self._deny -= 1
            return ("redirect", redirect_uri, [
                ("error", "access_denied"),
                ("error_description",
                 "The user has denied your application access."),
                ("error_uri", DOCS + "/apps/managing-oauth-apps/"
                 "troubleshooting-authorization-request-errors/#access-denied"),
                ("state", state)])
        challenge = q.get("code_challenge")
        method = q.get("code_challenge_method")
        if challenge is not None or method is not None:
            if method != "S256" or not challenge:
                return ("redirect", redirect_uri, [
                    ("error", "invalid_request"),
                    ("error_description",
                     "Only the S256 code challenge method is supported."),
                    ("state", state)])
        scope = q.get("scope", "")
        scopes = [s for s in scope.replace(",", " ").split() if s]
        code = secrets.token_hex(10)
        with self.lock:
            self.codes[code] = {
                "client_id": cid, "redirect_uri": q.get("redirect_uri"),
                "challenge": challenge, "scopes": scopes,
                "user": copy.deepcopy(self.user),
                "expires": time.time() + CODE_TTL, "used": False}
        return ("redirect", redirect_uri, [("code", code), ("state", state)])

    def _token(self, form, basic):
        cid = form.get("client_id") or (basic[0] if basic else "")
        secret = form.get("client_secret")
        if secret is None and basic:
            secret = basic[1]
        client = self.clients.get(cid)
        if client is None or secret is None or not secrets.compare_digest(
                client["secret"].encode(), secret.encode()):
            return "incorrect_client_credentials", None
        with self.lock:
            grant = self.codes.get(form.get("code", ""))
            if (grant is None or grant["used"] or grant["client_id"] != cid
                    or grant["expires"] < time.time()):
                return "bad_verification_code", None
            if (grant["redirect_uri"] is not None
                    and form.get("redirect_uri") not in
                    (None, grant["redirect_uri"])):
                return "redirect_uri_mismatch", None
            if grant["challenge"] is not None:
                verifier = form.get("code_verifier")
                if not verifier or not secrets.compare_digest(
                        _b64url_sha256(verifier), grant["challenge"]):
                    return "bad_verification_code", None
            grant["used"] = True
            token = "gho_" + secrets.token_urlsafe(27)[:36]
            scope = ",".join(grant["scopes"])
            self.tokens[token] = {"user": grant["user"], "scope": scope,
                                  "client_id": cid}
        return None, {"access_token": token, "token_type": "bearer",
                      "scope": scope}


def _below(uri, callback):
    """GitHub's rule: same scheme, host and port, and the path the
    callback's path or below it."""
    a, b = urllib.parse.urlsplit(uri), urllib.parse.urlsplit(callback)
    if (a.scheme, a.netloc.lower()) != (b.scheme, b.netloc.lower()):
        return False
    bp = b.path or "/"
    ap = a.path or "/"
    return ap == bp or ap.startswith(bp.rstrip("/") + "/")


_NOT_FOUND_PAGE = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Page not found &middot; GitHub</title></head>
<body>
<div id="parallax_wrapper"><div id="parallax_error_text">
<h1>404</h1><p>This is not the web page you are looking for.</p>
</div></div>
</body>
</html>
"""

_UA_FORBIDDEN = (
    "Request forbidden by administrative rules. Please make sure your "
    "request has a User-Agent header (https://docs.github.com/en/rest/"
    "overview/resources-in-the-rest-api#user-agent-required). Check "
    "https://developer.github.com for other possible causes.\n")


class _Handler(BaseHTTPRequestHandler):
    standin = None  # set on the subclass made by GitHubStandin.start
    protocol_version = "HTTP/1.1"
    server_version = "GitHub.com"
    sys_version = ""

    def log_message(self, fmt, *args):
        pass

    # -------------------------------------------------------------- plumbing

    def _record(self, form=None):
        u = urllib.parse.urlsplit(self.path)
        rec = {"method": self.command, "path": u.path,
               "query": dict(urllib.parse.parse_qsl(u.query,
                                                     keep_blank_values=True)),
               "headers": {k.lower(): v for k, v in self.headers.items()},
               "form": form, "at": time.time()}
        with self.standin.lock:
            self.standin.requests.append(rec)
        return rec

    def _send(self, status, body, ctype, extra=()):
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache")
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status, obj, extra=()):
        self._send(status, json.dumps(obj), "application/json; charset=utf-8",
                   extra)

    def _redirect(self, base, params):
        params = [(k, v) for k, v in params if v is not None]
        sep = "&" if urllib.parse.urlsplit(base).query else "?"
        loc = base + (sep + urllib.parse.urlencode(params) if params else "")
        body = ('<html><body>You are being <a href="%s">redirected</a>.'
                '</body></html>' % html.escape(loc))
        self._send(302, body, "text/html; charset=utf-8",
                   [("Location", loc)])

    def _read_form(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n > 0 else b""
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        text = raw.decode("utf-8", "replace")
        if ctype == "application/json":
            try:
                v = json.loads(text)
                return {k: str(x) for k, x in v.items()} \
                    if isinstance(v, dict) else {}
            except ValueError:
                return {}
        return dict(urllib.parse.parse_qsl(text, keep_blank_values=True))

    def _is_down(self):
        mode = self.standin.down
        if not mode:
            return False
        if mode == "503":
            self._send(503, "<html><body><h1>503 Service Unavailable</h1>"
                       "</body></html>", "text/html; charset=utf-8",
                       [("Connection", "close")])
            self.close_connection = True
            return True
        if mode == "hang":
            time.sleep(self.standin.hang_seconds)
        # "close" (or True, or after the hang): drop the connection unanswered
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        return True

    # -------------------------------------------------------------- routes

    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        rec = self._record()
        if self._is_down():
            return
        if u.path == "/login/oauth/authorize":
            kind, *rest = self.standin._authorize(rec["query"])
            if kind == "redirect":
                return self._redirect(*rest)
            return self._send(rest[0], rest[1], "text/html; charset=utf-8")
        if u.path in ("/user", "/user/emails"):
            return self._api(u.path)
        if u.path == "/login/oauth/access_token":
            return self._send(404, _NOT_FOUND_PAGE, "text/html; charset=utf-8")
        self._json(404, {"message": "Not Found",
                         "documentation_url": DOCS + "/rest",
                         "status": "404"})

    do_HEAD = do_GET

    def do_POST(self):
        u = urllib.parse.urlsplit(self.path)
        form = self._read_form()
        rec = self._record(form)
        if self._is_down():
            return
        if u.path != "/login/oauth/access_token":
            return self._json(404, {"message": "Not Found",
                                    "documentation_url": DOCS + "/rest",
                                    "status": "404"})
        basic = None
        auth = self.headers.get("Authorization") or ""
        if auth[:6].lower() == "basic ":
            try:
                dec = base64.b64decode(auth[6:].strip()).decode("utf-8")
                cid, _, sec = dec.partition(":")
                basic = (urllib.parse.unquote(cid), urllib.parse.unquote(sec))
            except (ValueError, UnicodeDecodeError):
                basic = None
        error, ok = self.standin._token(form, basic)
        rec["result"] = error or "ok"
        if error:
            desc, uri = TOKEN_ERRORS[error]
            body = {"error": error, "error_description": desc,
                    "error_uri": uri}
        else:
            body = ok
        accept = (self.headers.get("Accept") or "").lower()
        if "application/json" in accept:
            self._json(200, body)
        else:
            # GitHub's default: form-encoded (access_token=...&scope=...&token_type=bearer)
            self._send(200, urllib.parse.urlencode(sorted(body.items())),
                       "application/x-www-form-urlencoded; charset=utf-8")

    # -------------------------------------------------------------- API

    def _api(self, path):
        st = self.standin
        if st.require_user_agent and not self.headers.get("User-Agent"):
            return self._send(403, _UA_FORBIDDEN, "text/plain; charset=utf-8")
        auth = (self.headers.get("Authorization") or "").strip()
        scheme, _, token = auth.partition(" ")
        if not auth:
            return self._json(401, {
                "message": "Requires authentication",
                "documentation_url": DOCS + "/rest/users/users"
                "#get-the-authenticated-user", "status": "401"})
        with st.lock:
            entry = st.tokens.get(token.strip()) \
                if scheme.lower() in ("bearer", "token") else None
        if entry is None:
            return self._json(401, {"message": "Bad credentials",
                                    "documentation_url": DOCS + "/rest",
                                    "status": "401"})
        user = entry["user"]
        scopes = [s for s in entry["scope"].split(",") if s]
        hdrs = [("X-OAuth-Scopes", ", ".join(scopes)),
                ("X-GitHub-Media-Type", "github.v3; format=json")]
        if path == "/user/emails":
            hdrs.append(("X-Accepted-OAuth-Scopes", "user, user:email"))
            if st.enforce_scopes and not {"user", "user:email"} & set(scopes):
                return self._json(404, {
                    "message": "Not Found",
                    "documentation_url": DOCS + "/rest/users/emails"
                    "#list-email-addresses-for-the-authenticated-user",
                    "status": "404"}, hdrs)
            return self._json(200, [dict(e) for e in user["emails"]], hdrs)
        hdrs.append(("X-Accepted-OAuth-Scopes", ""))
        self._json(200, _user_json(user, st.url), hdrs)


def _user_json(u, base):
    login = u["login"]
    out = {
        "login": login, "id": u["id"],
        "node_id": base64.b64encode(b"04:User%d" % u["id"]).decode(),
        "avatar_url": u["avatar_url"], "gravatar_id": "",
        "url": "%s/users/%s" % (base, login),
        "html_url": "https://github.com/%s" % login,
        "type": "User", "user_view_type": "public", "site_admin": False,
        "name": u["name"], "company": None, "blog": "", "location": None,
        "email": u["email"], "hireable": None, "bio": None,
        "twitter_username": None, "notification_email": u["email"],
        "public_repos": 8, "public_gists": 8, "followers": 20,
        "following": 0, "created_at": "2011-01-25T18:44:36Z",
        "updated_at": "2024-01-01T00:00:00Z",
    }
    out.update(u.get("extra") or {})
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--client-id", default="gh-client")
    ap.add_argument("--client-secret", default="gh-secret")
    ap.add_argument("--callback", default=None)
    a = ap.parse_args(argv)
    gh = GitHubStandin(clients={a.client_id: (a.client_secret, a.callback)},
                       port=a.port).start()
    print("ready %s" % gh.url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        gh.stop()


if __name__ == "__main__":
    import signal
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    main()
