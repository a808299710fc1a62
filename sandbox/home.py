"""The sandbox portal's pages for a person (not Bitrix24's UI, only what a first hour needs):
`GET /` lists contacts and deals with their calls and places a call against a deal (one of the
sample recordings the embedded stack rendered, or an uploaded file); `GET /_sandbox/deal/<id>` is
the deal card: its fields (the AICA ones filled by the product) and the "Call analytics" tab,
framed exactly as Bitrix24 does it (`/_sandbox/placement` posts the placement form into an iframe,
to the handler the app bound with placement.bind)."""
from __future__ import annotations

import asyncio
import html
import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from sandbox.calls import CallSpec, create_call
from sandbox.crm import create_entity, entity_view
from sandbox.events import play_call
from sandbox.keys import HTTP, STATE, TASKS
from sandbox.state import SandboxState
from sandbox.wire import RestError

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
DEAL_TAB = "CRM_DEAL_DETAIL_TAB"
STYLE = ("body{font:14px/1.45 system-ui,sans-serif;margin:20px;color:#1f2d3d}table{border-collapse:collapse;"
         "margin:8px 0 20px}td,th{border-bottom:1px solid #e3e8ec;padding:6px 10px;text-align:left;"
         "vertical-align:top}th{background:#f5f7f8}.muted{color:#7a8a99}form{margin:0}"
         ".card{display:flex;gap:24px;align-items:flex-start}.fields{min-width:300px}"
         "iframe{border:1px solid #dfe5ea;width:600px;height:880px}")
routes = web.RouteTableDef()


def seed_crm(state: SandboxState) -> None:
    """A few contacts and deals to place calls against, on an empty portal."""
    if state.deals:
        return
    for name, last, title in (("Olga", "Ivanova", "Fibre upgrade"), ("James", "Walker", "Billing refund"),
                              ("Maria", "Lopez", "Delivery reschedule")):
        contact = create_entity(state, "contact", {"NAME": name, "LAST_NAME": last,
                                                   "PHONE": f"+1555010{len(state.contacts)}"})
        create_entity(state, "deal", {"TITLE": title, "CONTACT_ID": contact, "STAGE_ID": "NEW"})


def deal_tab_handler(state: SandboxState) -> str | None:
    return next((p["handler"] for p in state.placements if p["placement"] == DEAL_TAB), None)


def calls_of(state: SandboxState, kind: str, entity_id: int) -> list[dict[str, Any]]:
    owner_type = "3" if kind == "contact" else "2"
    return [a for a in state.activities.values()
            if any(b["OWNER_TYPE_ID"] == owner_type and b["OWNER_ID"] == str(entity_id) for b in a["BINDINGS"])]


def call_row(state: SandboxState, activity: dict[str, Any]) -> str:
    activity_id = int(activity["ID"])
    events = [e for e in state.events if e["activity_id"] == activity_id]
    delivered = ", ".join(f"{e['event'].removeprefix('ONCRMACTIVITY')}: {e['status'] or e['error'] or '…'}"
                          for e in events) or "none yet"
    recording = "attached" if activity.get("FILES") else "not yet"
    return (f"<tr><td>#{activity_id}</td><td>{html.escape(activity['SUBJECT'])}</td>"
            f"<td>{html.escape(activity['START_TIME'])}</td><td>recording {recording}</td>"
            f"<td>events sent {html.escape(delivered)}</td></tr>")


def place_form(state: SandboxState, deal_id: int) -> str:
    options = "".join(f'<option value="{html.escape(key)}">{html.escape(sample["title"])}</option>'
                      for key, sample in state.samples.items())
    choose = (f'<select name="sample" aria-label="sample call">{options}</select> or ' if options else "")
    return (f'<form method="post" action="/_sandbox/home/calls" enctype="multipart/form-data">'
            f'<input type="hidden" name="deal_id" value="{deal_id}">{choose}'
            '<input type="file" name="recording" accept="audio/*" aria-label="your recording"> '
            f'<button type="submit" id="place-{deal_id}">Place call</button></form>')


def page(title: str, body: str, refresh_s: int | None = None) -> web.Response:
    meta = f'<meta http-equiv="refresh" content="{refresh_s}">' if refresh_s else ""
    return web.Response(text=f'<!doctype html><html lang="en"><head><meta charset="utf-8">{meta}'
                             f'<title>{html.escape(title)}</title><style>{STYLE}</style></head>'
                             f'<body>{body}</body></html>', content_type="text/html")


@routes.get("/")
async def home(request: web.Request) -> web.Response:
    state = request.app[STATE]
    installed = deal_tab_handler(state) is not None
    app_line = ("the AICA app is installed (events and card tabs bound)" if installed else
                "the AICA app is not installed on this portal yet")
    deals = []
    for deal_id, deal in sorted(state.deals.items()):
        contact = state.contacts.get(int(deal.get("CONTACT_ID") or 0)) or {}
        who = html.escape(f"{contact.get('NAME') or ''} {contact.get('LAST_NAME') or ''}".strip() or "—")
        calls = "".join(call_row(state, a) for a in calls_of(state, "deal", deal_id))
        deals.append(f'<tr><td><a href="/_sandbox/deal/{deal_id}" id="deal-{deal_id}">{html.escape(deal["TITLE"] or "")}'
                     f'</a></td><td>{who}</td><td>{html.escape(str(deal.get("UF_CRM_AICA_QUALITY") or "—"))}</td>'
                     f'<td>{place_form(state, deal_id)}'
                     f'<table class="calls">{calls or "<tr><td class=muted>no calls</td></tr>"}</table></td></tr>')
    placed = request.query.get("placed")
    notice = (f'<p id="placed">Call #{html.escape(placed)} placed: the recording follows in a moment, then '
              'the analysis (open the deal to watch it).</p>' if placed else "")
    body = (f"<h1>Sandbox portal {html.escape(state.domain)}</h1><p class=muted>Stands in for Bitrix24; "
            f"{app_line}.</p>{notice}<h2>Deals</h2><table><tr><th>Deal</th><th>Contact</th>"
            f"<th>AI quality</th><th>Calls</th></tr>{''.join(deals)}</table>")
    return page(f"Sandbox portal {state.domain}", body, refresh_s=10)


def uploaded(field: Any) -> tuple[str, str, bytes] | None:
    if not isinstance(field, web.FileField):
        return None
    data = field.file.read(MAX_UPLOAD_BYTES + 1)
    if not data:
        return None
    if len(data) > MAX_UPLOAD_BYTES:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_UPLOAD_BYTES, actual_size=len(data))
    name = Path(field.filename or "recording.wav").name
    return name, field.content_type or mimetypes.guess_type(name)[0] or "application/octet-stream", data


@routes.post("/_sandbox/home/calls")
async def place(request: web.Request) -> web.Response:
    """The home page's form: a call against a deal (and its contact), with a sample or an upload."""
    state, form = request.app[STATE], await request.post()
    try:
        deal = state.deals[int(str(form.get("deal_id")))]
    except (KeyError, ValueError):
        raise web.HTTPBadRequest(text="no such deal") from None
    recording = uploaded(form.get("recording"))
    sample = None if recording is not None else state.samples.get(str(form.get("sample") or ""))
    if sample is not None:
        path = Path(sample["path"])
        recording = (path.name, mimetypes.guess_type(path.name)[0] or "audio/wav", path.read_bytes())
    if recording is None:
        raise web.HTTPBadRequest(text="choose a sample call or upload a recording")
    contact_id = int(deal["CONTACT_ID"]) if deal.get("CONTACT_ID") else None
    contact = state.contacts.get(contact_id or 0) or {}
    extra = {"line": sample["line"], "direction": sample["direction"]} if sample is not None else {}
    if contact.get("PHONE"):
        extra["phone"] = contact["PHONE"][0]["VALUE"]
    spec = CallSpec(contact_id=contact_id, deal_id=int(deal["ID"]), **extra)
    activity_id, _ = create_call(state, spec)
    task = asyncio.create_task(play_call(request.app[HTTP], state, activity_id, recording, 1.0, True))
    request.app[TASKS].add(task)
    task.add_done_callback(request.app[TASKS].discard)
    raise web.HTTPSeeOther(f"/?{urlencode({'placed': activity_id})}")


@routes.get(r"/_sandbox/deal/{id:\d+}")
async def deal_card(request: web.Request) -> web.Response:
    state = request.app[STATE]
    deal_id = int(request.match_info["id"])
    try:
        deal = entity_view(state, "deal", deal_id)  # with every user field, empty until written
    except RestError:
        raise web.HTTPNotFound(text="no such deal") from None
    fields = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v) if v is not None else '')}</td></tr>"
                     for k, v in deal.items() if k in ("TITLE", "STAGE_ID", "CONTACT_ID") or k.startswith("UF_CRM_"))
    handler = deal_tab_handler(state)
    if handler is None:
        tab = "<p class=muted>No “Call analytics” tab: the AICA app has not bound one on this portal.</p>"
    else:
        query = urlencode({"handler": handler, "placement": DEAL_TAB, "id": deal_id, "user": 1})
        tab = f'<iframe id="tab" title="Call analytics" src="/_sandbox/placement?{query}"></iframe>'
    calls = "".join(call_row(state, a) for a in calls_of(state, "deal", deal_id))
    body = (f'<p><a href="/">← all deals</a></p><h1>Deal: {html.escape(deal["TITLE"] or "")}</h1>'
            f'<div class="card"><div class="fields"><table id="fields">{fields}</table><h2>Calls</h2>'
            f'<table>{calls or "<tr><td class=muted>no calls</td></tr>"}</table>'
            f'<p class=muted>The AI fields fill in once a call is analysed; reload to see them.</p></div>'
            f'<div><h2>Call analytics</h2>{tab}</div></div>')
    return page(f"Deal {deal_id}", body)
