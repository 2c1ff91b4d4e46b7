"""Logging in to the web UI: the cookie's flags, /v1 with the session, CSRF, logout, and Basic unchanged."""

from __future__ import annotations

import httpx

from hearth.store.user_admin import set_password

from ..api.conftest import DEMO, OTHER, Running, assert_error
from .session_client import COOKIE, logged_in

HTML = {"accept": "text/html,application/xhtml+xml"}


def test_a_login_sets_an_http_only_strict_session_cookie_and_shows_the_shell(server: Running) -> None:
    with httpx.Client(base_url=server.url) as c:
        r = c.post("/ui/login", data={"name": DEMO[0], "password": DEMO[1]})
        assert r.status_code == 303 and r.headers["location"] == "/"
        cookie = r.headers["set-cookie"]
        flags = {part.strip().lower() for part in cookie.split(";")[1:]}
        assert {"httponly", "samesite=strict", "path=/"} <= flags, cookie
        assert "secure" not in flags  # plain HTTP on loopback; set over HTTPS
        assert len(c.cookies[COOKIE]) >= 40  # opaque and random, not the user's name
        assert DEMO[0] not in c.cookies[COOKIE]
        page = c.get("/", headers=HTML)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert 'name="csrf-token"' in page.text and "/ui/static/app.js" in page.text
        assert "script-src 'self'" in page.headers["content-security-policy"]


def test_a_wrong_password_shows_the_apis_message_on_the_login_form_and_sets_no_cookie(
    server: Running,
) -> None:
    with httpx.Client(base_url=server.url) as c:
        r = c.post("/ui/login", data={"name": DEMO[0], "password": "wrong"})
        assert r.status_code == 401
        assert 'class="error"' in r.text and "password" in r.text.lower()
        assert "set-cookie" not in r.headers
        missing = c.post("/ui/login", data={"name": DEMO[0]})
        assert missing.status_code == 400 and "give a user name and a password" in missing.text


def test_without_a_session_a_browser_at_the_root_gets_the_login_form(server: Running) -> None:
    with httpx.Client(base_url=server.url) as c:
        page = c.get("/", headers=HTML)
        assert page.status_code == 200 and 'action="/ui/login"' in page.text
        assert "csrf-token" not in page.text


def test_other_clients_at_the_root_still_get_the_apis_404(server: Running) -> None:
    with httpx.Client(base_url=server.url) as c:
        for accept in ("*/*", "application/json"):
            assert_error(c.get("/", headers={"accept": accept}), 404, "NotFound")


def test_the_session_is_its_user_on_v1_reads_need_no_token(server: Running, demo: httpx.Client) -> None:
    mine = demo.post("/v1/keys", json={"name": "ui-session-key"})
    assert mine.status_code == 201, mine.text
    with logged_in(server, *DEMO) as (c, _):
        keys = c.get("/v1/keys")
        assert keys.status_code == 200
        assert "ui-session-key" in [k["name"] for k in keys.json()["keys"]]
        me = c.get("/ui/session").json()
        assert me["user"] == DEMO[0] and me["admin"] is False and me["csrf_token"]
    demo.delete(f"/v1/keys/{mine.json()['id']}")


def test_a_state_changing_request_with_the_cookie_needs_the_sessions_csrf_token(server: Running) -> None:
    with logged_in(server, *DEMO) as (c, token):
        body = assert_error(c.post("/v1/keys", json={"name": "ui-csrf-key"}), 403, "Forbidden")
        assert "X-CSRF-Token" in body["message"]
        assert_error(
            c.post("/v1/keys", json={"name": "ui-csrf-key"}, headers={"x-csrf-token": "forged"}),
            403,
            "Forbidden",
        )
        made = c.post("/v1/keys", json={"name": "ui-csrf-key"}, headers={"x-csrf-token": token})
        assert made.status_code == 201, made.text
        gone = c.delete(f"/v1/keys/{made.json()['id']}", headers={"x-csrf-token": token})
        assert gone.status_code == 204


def test_one_sessions_token_does_not_serve_another_session(server: Running) -> None:
    with logged_in(server, *DEMO) as (_, token), logged_in(server, *DEMO) as (second, _):
        assert_error(
            second.post("/v1/keys", json={"name": "ui-cross"}, headers={"x-csrf-token": token}),
            403,
            "Forbidden",
        )


def test_logout_needs_the_token_then_ends_the_session_everywhere(server: Running) -> None:
    with logged_in(server, *DEMO) as (c, token):
        sid = c.cookies[COOKIE]
        assert_error(c.post("/ui/logout"), 403, "Forbidden")  # another site cannot log a person out
        assert c.get("/v1/keys").status_code == 200
        r = c.post("/ui/logout", data={"csrf": token})
        assert r.status_code == 303
        assert f"{COOKIE}=" in r.headers["set-cookie"] and "max-age=0" in r.headers["set-cookie"].lower()
        assert COOKIE not in c.cookies
    with httpx.Client(base_url=server.url, cookies={COOKIE: sid}) as replay:
        ended = assert_error(replay.get("/v1/keys"), 401, "AuthFailure")
        assert "log in again" in ended["message"]
        # No Basic challenge: a browser would put its own password prompt over the page.
        assert "www-authenticate" not in replay.get("/v1/keys").headers
        assert_error(replay.get("/ui/session"), 401, "AuthFailure")
        assert 'action="/ui/login"' in replay.get("/", headers=HTML).text


def test_a_changed_password_ends_the_users_sessions(server: Running) -> None:
    with logged_in(server, *OTHER) as (c, _):
        assert c.get("/v1/keys").status_code == 200
        set_password(server.service.engine, OTHER[0], OTHER[1])  # a new hash, a new auth epoch
        assert_error(c.get("/v1/keys"), 401, "AuthFailure")


def test_basic_auth_works_unchanged_and_wins_over_a_cookie(server: Running) -> None:
    with logged_in(server, *OTHER) as (c, _):
        # Basic credentials decide who is calling; the cookie (and its CSRF rule) is not consulted.
        r = c.post("/v1/keys", json={"name": "ui-basic-key"}, auth=DEMO)
        assert r.status_code == 201, r.text
        assert r.json()["owner_id"] != c.get("/ui/session").json().get("owner_id")
        assert c.delete(f"/v1/keys/{r.json()['id']}", auth=DEMO).status_code == 204
    with httpx.Client(base_url=server.url) as anon:
        r = anon.get("/v1/keys")
        assert_error(r, 401, "AuthFailure")
        assert r.headers["www-authenticate"].startswith("Basic")


def test_a_session_ends_when_unused_for_too_long_or_too_old_whatever_its_use() -> None:
    from hearth.drivers import Caller
    from hearth.service.sessions import Sessions

    now = [0.0]
    sessions = Sessions(lambda: "epoch", idle=10, lifetime=25, clock=lambda: now[0])
    who = Caller("u-1")
    idle_sid, _ = sessions.open(who, "u")
    busy_sid, _ = sessions.open(who, "u")
    for t in (8.0, 16.0, 24.0):
        now[0] = t
        assert sessions.get(busy_sid) is not None
    assert sessions.get(idle_sid) is None  # unused for more than 10 s
    now[0] = 26.0
    assert sessions.get(busy_sid) is None  # in use, but older than 25 s
    assert sessions.get("made-up") is None and sessions.get(None) is None
