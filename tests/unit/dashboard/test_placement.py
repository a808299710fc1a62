"""POST /app/placement against real sandbox portals: the AUTH_ID is checked with the stored
portal before anything in the post is trusted; every refusal, and what a good post gets."""
from __future__ import annotations

import re
import time

from dashboard.placement import parse_placement
from httpapi.errors import Refused
from dashboard.sessions import SessionSigner, session_key


async def post(dashboard, form: dict, lang: str = "ru"):
    return await dashboard.client.post(f"/app/placement?DOMAIN=evil.example&LANG={lang}&APP_SID=x", data=form)


def session_in(page: str) -> str:
    return re.search(r'data-session="([^"]+)"', page).group(1)


async def test_a_verified_placement_gets_the_widget_with_a_session_for_that_card(dashboard, portal_a):
    response = await post(dashboard, portal_a.placement_form(portal_a.token(user_id=2), 7, "CRM_DEAL_DETAIL_TAB"))
    assert response.status == 200, await response.text()
    page = await response.text()
    assert 'data-entity-type="deal"' in page and 'data-entity-id="7"' in page and 'data-lang="ru"' in page
    assert 'data-api-base="/app/api"' in page
    # framed only by the STORED portal (the posted DOMAIN is ignored), no X-Frame-Options, no cookies
    csp = response.headers["Content-Security-Policy"]
    assert f"frame-ancestors {portal_a.state.base_url}" in csp and "evil" not in csp
    assert "X-Frame-Options" not in response.headers and "Set-Cookie" not in response.headers
    signer = SessionSigner(session_key(dashboard.settings), 900)
    session = signer.verify(session_in(page), time.time())
    assert (session.member_id, session.user_id, session.is_admin) == (portal_a.state.member_id, 2, False)
    assert (session.entity_type, session.entity_id) == ("deal", 7)
    assert session.expires_at <= time.time() + dashboard.settings.dashboard_session_ttl_s


async def test_the_admin_flag_comes_from_the_portal(dashboard, portal_a):
    page = await (await post(dashboard, portal_a.placement_form(portal_a.token(user_id=1), 3))).text()
    session = SessionSigner(session_key(dashboard.settings), 900).verify(session_in(page), time.time())
    assert session.is_admin and session.entity_type == "contact"


async def test_a_forged_auth_id_is_refused(dashboard, portal_a):
    response = await post(dashboard, portal_a.placement_form("f" * 32, 3))
    assert response.status == 401
    assert "data-session" not in await response.text()


async def test_an_expired_auth_id_is_refused(dashboard, portal_a):
    form = portal_a.placement_form(portal_a.token(), 3)
    portal_a.state.expire_tokens()
    assert (await post(dashboard, form)).status == 401


async def test_a_token_of_another_portal_is_refused(dashboard, portal_a, portal_b):
    form = portal_a.placement_form(portal_b.token(), 3)  # B's real token, posted as portal A
    assert (await post(dashboard, form)).status == 401


async def test_an_unknown_portal_is_refused_without_calling_anyone(dashboard, portal_a):
    form = {**portal_a.placement_form(portal_a.token(), 3), "member_id": "deadbeef" * 4}
    before = len(portal_a.state.requests)
    assert (await post(dashboard, form)).status == 403
    assert len(portal_a.state.requests) == before


async def test_a_wrong_application_token_is_refused(dashboard, portal_a):
    form = {**portal_a.placement_form(portal_a.token(), 3), "APPLICATION_TOKEN": "0" * 32}
    assert (await post(dashboard, form)).status == 403


async def test_an_entity_the_user_cannot_read_is_refused(dashboard, portal_a):
    assert (await post(dashboard, portal_a.placement_form(portal_a.token(), 999))).status == 403


async def test_a_token_issued_to_another_app_is_refused(dashboard, portal_a):
    portal_a.state.client_id = "app.someone.else"  # app.info now names another client
    assert (await post(dashboard, portal_a.placement_form(portal_a.token(), 3))).status == 403


def test_malformed_posts_are_refused_before_any_call():
    good = {"member_id": "abc", "AUTH_ID": "t", "PLACEMENT": "CRM_DEAL_DETAIL_TAB", "PLACEMENT_OPTIONS": '{"ID":"8"}'}
    assert parse_placement(good, {"LANG": "de"}).lang == "en"
    for broken in ({"PLACEMENT": "CRM_LEAD_DETAIL_TAB"}, {"PLACEMENT_OPTIONS": "{"}, {"PLACEMENT_OPTIONS": '{"ID":"-1"}'},
                   {"AUTH_ID": ""}, {"member_id": "../x"}):
        try:
            parse_placement({**good, **broken}, {})
        except Refused as refused:
            assert refused.status == 400
        else:
            raise AssertionError(f"accepted {broken}")
