"""Portal users and the browser side of an app frame: `user.current` / `user.admin` answer for the
user whose token is sent (§5.3: that is how the product checks a placement's AUTH_ID), and
`/_sandbox/placement` is the page Bitrix24 would render around a CRM detail tab: it POSTs the
placement form (§5.2) with a fresh token of the chosen user into an iframe."""
from __future__ import annotations

import html
import json
from typing import Any

from aiohttp import web

from sandbox.keys import STATE
from sandbox.scenario import read_json_object
from sandbox.state import SandboxState

ADMIN_USER_ID = 1
routes = web.RouteTableDef()


def ensure_users(state: SandboxState) -> dict[int, dict[str, Any]]:
    """User 1 is the portal admin who installed the app; the app's own tokens are theirs."""
    if not state.users:
        state.users[ADMIN_USER_ID] = {"ID": str(ADMIN_USER_ID), "NAME": "Anna", "LAST_NAME": "Admin",
                                      "ACTIVE": True, "ADMIN": True}
    return state.users


def add_user(state: SandboxState, name: str, admin: bool) -> int:
    users = ensure_users(state)
    user_id = max(users) + 1
    users[user_id] = {"ID": str(user_id), "NAME": name, "LAST_NAME": "", "ACTIVE": True, "ADMIN": admin}
    return user_id


def issue_user_token(state: SandboxState, user_id: int) -> str:
    """An access token that belongs to one user (what AUTH_ID in a frame POST is)."""
    if user_id not in ensure_users(state):
        raise KeyError(user_id)
    token = state.issue_access_token()
    state.token_users[token] = user_id
    return token


def token_user(state: SandboxState, params: dict[str, Any]) -> dict[str, Any]:
    user_id = state.token_users.get(str(params.get("_auth_token") or ""), ADMIN_USER_ID)
    return ensure_users(state)[user_id]


def user_current(state: SandboxState, params: dict[str, Any]) -> dict[str, Any]:
    user = token_user(state, params)
    return {"result": {k: v for k, v in user.items() if k != "ADMIN"}}


def user_admin(state: SandboxState, params: dict[str, Any]) -> dict[str, Any]:
    return {"result": bool(token_user(state, params)["ADMIN"])}


def methods() -> dict[str, Any]:
    return {"user.current": user_current, "user.admin": user_admin}


def placement_form(state: SandboxState, placement: str, entity_id: int, token: str) -> dict[str, str]:
    """The body Bitrix24 POSTs into a detail tab's iframe (§5.2)."""
    return {"AUTH_ID": token, "AUTH_EXPIRES": str(int(state.access_ttl_s)), "REFRESH_ID": "sandbox-no-refresh",
            "SERVER_ENDPOINT": state.server_endpoint, "member_id": state.member_id, "status": "L",
            "PLACEMENT": placement, "APPLICATION_TOKEN": state.application_token,
            "PLACEMENT_OPTIONS": json.dumps({"ID": str(entity_id)})}


@routes.post("/_sandbox/users")
async def create_user(request: web.Request) -> web.Response:
    body = await read_json_object(request)
    state = request.app[STATE]
    user_id = add_user(state, str(body.get("name") or "Agent"), bool(body.get("admin", False)))
    return web.json_response({"id": user_id, "access_token": issue_user_token(state, user_id)})


@routes.get("/_sandbox/placement")
async def placement_host(request: web.Request) -> web.Response:
    """?handler=<url>&placement=CRM_DEAL_DETAIL_TAB&id=<entity>&user=<id>&lang=en: a host page
    whose form posts into the `app` iframe on load, as the portal's card does."""
    state, q = request.app[STATE], request.query
    try:
        token = issue_user_token(state, int(q.get("user", ADMIN_USER_ID)))
        form = placement_form(state, q.get("placement", "CRM_DEAL_DETAIL_TAB"), int(q["id"]), token)
        handler = q["handler"]
    except (KeyError, ValueError) as exc:
        raise web.HTTPBadRequest(text=f"bad placement request: {type(exc).__name__}") from exc
    action = f"{handler}?DOMAIN={state.domain}&PROTOCOL=0&LANG={q.get('lang', 'en')}&APP_SID=sandbox"
    inputs = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                     for k, v in form.items())
    page = (f'<!doctype html><html><body style="margin:0"><form id="f" method="post" target="app"'
            f' action="{html.escape(action)}">{inputs}</form>'
            f'<iframe name="app" id="app" style="width:{int(q.get("width", 560))}px;height:900px;border:0">'
            '</iframe><script>document.getElementById("f").submit()</script></body></html>')
    return web.Response(text=page, content_type="text/html")

