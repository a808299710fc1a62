"""A placement check is one request of the portal's rate limit (a `batch` of app.info, user.current,
user.admin and the entity), and a placement the portal has confirmed is remembered for the
session's lifetime: reloading a card tab costs no request, another card one (`crm.<type>.get`),
another AUTH_ID or a new install generation the whole check again (issue 10, rate limits)."""
from __future__ import annotations

import re
import time
from dataclasses import replace

from dashboard.sessions import SessionSigner, session_key
from dashboard.verified import VerifiedPlacements


def rest_calls(portal) -> list[str]:
    return [r["method"] for r in portal.state.requests if r["path"].startswith("/rest/")]


async def open_tab(dashboard, portal, token: str, entity_id: int, placement: str = "CRM_DEAL_DETAIL_TAB"):
    response = await dashboard.client.post("/app/placement?LANG=en",
                                           data=portal.placement_form(token, entity_id, placement))
    return response.status, await response.text()


def session_user(dashboard, page: str) -> tuple[int, bool, int]:
    token = re.search(r'data-session="([^"]+)"', page).group(1)
    session = SessionSigner(session_key(dashboard.settings), 900).verify(token, time.time())
    return session.user_id, session.is_admin, session.entity_id


async def test_a_reload_costs_no_calls_and_another_card_one(dashboard, portal_a):
    agent = portal_a.token(user_id=2)
    assert (await open_tab(dashboard, portal_a, agent, 7))[0] == 200
    assert rest_calls(portal_a) == ["batch"]  # app.info, user.current, user.admin, crm.deal.get

    status, page = await open_tab(dashboard, portal_a, agent, 7)
    assert status == 200 and len(rest_calls(portal_a)) == 1
    assert session_user(dashboard, page) == (2, False, 7)  # the portal's verdict, not the post's

    status, page = await open_tab(dashboard, portal_a, agent, 3, "CRM_CONTACT_DETAIL_TAB")
    assert status == 200 and rest_calls(portal_a)[1:] == ["crm.contact.get"]
    assert session_user(dashboard, page) == (2, False, 3)

    # a card the user may not read is refused, and asked again next time (not remembered)
    assert (await open_tab(dashboard, portal_a, agent, 999))[0] == 403
    assert (await open_tab(dashboard, portal_a, agent, 999))[0] == 403
    assert rest_calls(portal_a)[2:] == ["crm.deal.get", "crm.deal.get"]


async def test_another_token_or_a_new_install_generation_is_checked_in_full(dashboard, portal_a):
    agent = portal_a.token(user_id=2)
    await open_tab(dashboard, portal_a, agent, 7)
    status, page = await open_tab(dashboard, portal_a, portal_a.token(user_id=1), 7)
    assert status == 200 and len(rest_calls(portal_a)) == 2 and session_user(dashboard, page)[:2] == (1, True)

    stored = dashboard.portals.get(portal_a.state.member_id)
    await dashboard.portals.put(replace(stored, generation=stored.generation + 1))  # refreshed or reinstalled
    assert (await open_tab(dashboard, portal_a, agent, 7))[0] == 200
    assert len(rest_calls(portal_a)) == 3


async def test_a_token_the_portal_no_longer_accepts_is_refused_once_its_verdict_expires(dashboard, portal_a):
    """Within the session's lifetime a cached verdict stands (as the session itself would)."""
    agent = portal_a.token(user_id=2)
    await open_tab(dashboard, portal_a, agent, 7)
    portal_a.state.expire_tokens()
    assert (await open_tab(dashboard, portal_a, agent, 7))[0] == 200
    verified = VerifiedPlacements(ttl_s=900)
    portal = dashboard.portals.get(portal_a.state.member_id)
    verified.remember(portal, agent, "user 2", ("deal", 7), now=1000.0)
    assert verified.get(portal, agent, now=1899.0).entities == {("deal", 7)}
    assert verified.get(portal, agent, now=1900.0) is None


def test_the_cache_is_bounded_and_keeps_no_token(dashboard, portal_a):
    verified = VerifiedPlacements(ttl_s=900, max_entries=3)
    portal = dashboard.portals.get(portal_a.state.member_id)
    for n in range(5):
        verified.remember(portal, f"token-{n}", n, ("deal", 7), now=0.0)
    assert [verified.get(portal, f"token-{n}", now=1.0) is not None for n in range(5)] == [False, False, True, True, True]
    assert not any("token-" in "".join(map(str, key)) for key in verified._verdicts)
