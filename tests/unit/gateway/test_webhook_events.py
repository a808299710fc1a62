"""Events of an outbound webhook (auth: domain, endpoints, member_id and the webhook's
application_token, no tokens) are verified like the app's; a portal added without its member_id
is found by the event's domain and the record is keyed by the stored portal."""
from __future__ import annotations

from urllib.parse import urlencode

from bitrix.forms import flatten
from bitrix.portals import InMemoryPortals
from bitrix.webhooks import webhook_member_id
from control.webhooks import webhook_portal
from schemas import registry

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
HOOK_TOKEN = "b" * 32


def outbound_event(documented_event: dict, token: str = HOOK_TOKEN) -> dict:
    auth = documented_event["auth"]
    return documented_event | {"auth": {"domain": auth["domain"], "client_endpoint": auth["client_endpoint"],
                                        "server_endpoint": auth["server_endpoint"],
                                        "member_id": auth["member_id"], "application_token": token}}


async def post(client, form: dict):
    response = await client.post("/b24/events", data=urlencode(flatten(form)), headers=FORM)
    return response.status, await response.json()


async def test_a_webhook_portals_events_are_verified_and_keyed_by_the_stored_portal(
        make_client, documented_event, publisher):
    domain = documented_event["auth"]["domain"]
    portal = webhook_portal(domain, f"https://{domain}/rest/1/code123/", HOOK_TOKEN, None, None, 0.0)
    client = await make_client(portals=InMemoryPortals(portal))
    assert (await post(client, outbound_event(documented_event, "0" * 32)))[0] == 401
    status, body = await post(client, outbound_event(documented_event))
    assert (status, body["status"]) == (200, "accepted")
    [(_, key, value)] = publisher.sent
    record = registry.decode("aica.CrmWebhookEvent", value)
    assert key == webhook_member_id(domain).encode() == record["member_id"].encode()
    # Another domain's event finds no portal, whatever token it carries.
    other = outbound_event(documented_event)
    other["auth"]["domain"] = "other.bitrix24.com"
    assert (await post(client, other))[0] == 403 and len(publisher.sent) == 1


async def test_a_webhook_portal_added_with_its_member_id_is_found_directly(make_client, documented_event, publisher):
    auth = documented_event["auth"]
    portal = webhook_portal(auth["domain"], f"https://{auth['domain']}/rest/1/code123/", HOOK_TOKEN,
                            auth["member_id"], None, 0.0)
    client = await make_client(portals=InMemoryPortals(portal))
    assert (await post(client, outbound_event(documented_event)))[0] == 200
    assert publisher.sent[0][1] == auth["member_id"].encode()
