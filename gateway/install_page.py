"""The page the install handler answers when the portal opens it in its frame (docs/bitrix24-api.md
§2.1 b): it finishes the install with `BX24.installFinish()` (until then Bitrix24 delivers no events
and shows no tabs), says what was set up and what to do next. The BX24 JS SDK is loaded from
Bitrix24's own host, as real apps do; the page's CSP allows that script, one nonce'd inline script
and style, and framing by the installing portal only."""
from __future__ import annotations

import html
import re
import secrets
from collections.abc import Mapping
from typing import Any

from yarl import URL

BX24_SDK = "https://api.bitrix24.com/api/v1/"
HOST_NAME = re.compile(r"^[a-z0-9.-]+(:\d+)?$")
CSP = ("default-src 'none'; script-src {sdk} 'nonce-{nonce}'; style-src 'nonce-{nonce}'; img-src 'none';"
       " connect-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors {ancestors}")
STYLE = ("body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1f2d3d;max-width:680px}"
         "h1{font-size:20px}h2{font-size:15px;margin-top:20px}ul{padding-left:20px}"
         ".ok{color:#2e7d32}.bad{color:#c62828}code{background:#f1f4f6;padding:1px 4px}")
LABELS = {"ONCRMACTIVITYADD": "new CRM activities (calls)", "ONCRMACTIVITYUPDATE": "updated activities "
          "(the recording is attached later)", "ONAPPUNINSTALL": "the app's removal (its data is purged)",
          "CRM_CONTACT_DETAIL_TAB": "the contact card", "CRM_DEAL_DETAIL_TAB": "the deal card"}


def portal_origin(client_endpoint: str) -> str:
    """`https://<portal>` (scheme, host, port) of the stored REST endpoint: who may frame the page."""
    url = URL(client_endpoint)
    return str(url.origin()) if url.absolute and url.scheme in ("http", "https") else "'none'"


def posted_origin(domain: str, protocol: str) -> str:
    """For a refusal (nothing verified): the origin the post claims. Only a refusal text is shown
    there, so a false claim gains nothing."""
    domain = domain.strip().lower()
    if not HOST_NAME.match(domain):
        return "'none'"
    return f"{'http' if protocol == '0' else 'https'}://{domain}"


def _items(entries: list[str]) -> str:
    return "".join(f"<li>{html.escape(entry)}</li>" for entry in entries) or "<li>nothing new</li>"


def _setup_lists(setup: Mapping[str, list[str]]) -> tuple[list[str], list[str], list[str]]:
    bindings = [*setup.get("bound", []), *setup.get("already_bound", [])]
    events = [f"{name.split(':', 1)[1]}: {LABELS.get(name.split(':', 1)[1], '')}".rstrip(": ")
              for name in bindings if name.startswith("event:")]
    tabs = [f"“Call analytics” tab on {LABELS.get(name.split(':', 1)[1], name)}"
            for name in bindings if name.startswith("placement:")]
    fields = [name.replace(".", ": ", 1) for name in setup.get("fields_created", [])]
    return events, tabs, fields


def render(status: int, body: Mapping[str, Any], ancestors: str) -> tuple[str, dict[str, str]]:
    """(page, headers) for an install outcome: `installed` finishes the install; anything else
    explains why not and does not call installFinish."""
    nonce = secrets.token_urlsafe(16)
    finished = status == 200 and body.get("status") in ("installed", "verified")
    if finished:
        events, tabs, fields = _setup_lists(body.get("setup") or {})
        setup = (f'<h2>Events it listens to</h2><ul id="events">{_items(events)}</ul>'
                 f'<h2>Card tabs</h2><ul id="tabs">{_items(tabs)}</ul>'
                 f'<h2>CRM fields it fills</h2><ul id="fields">{_items(fields)}</ul>'
                 if body.get("status") == "installed" else
                 '<p>It was set up when it was installed; its events, tabs and fields are in place.</p>')
        main = ('<h1 class="ok">AICA is installed</h1>'
                '<p id="finish">Finishing the installation…</p>' + setup +
                '<h2>What to do next</h2><ol><li>Open any contact or deal and its <b>Call analytics</b> tab.</li>'
                '<li>In the tab, open <b>Settings</b> and map each telephony line to a project '
                '(language and scorecard); calls on lines not mapped use the default project.</li>'
                '<li>Make or receive a call: its analysis appears in the tab and the fields a few minutes '
                'after the recording is attached.</li></ol>')
        script = (f'<script src="{BX24_SDK}"></script><script nonce="{nonce}">'
                  'BX24.init(function(){BX24.installFinish();'
                  'document.getElementById("finish").textContent="Installation finished.";});</script>')
    else:
        reason = str(body.get("reason") or body.get("error") or "the install could not be completed")
        main = ('<h1 class="bad">AICA is not installed yet</h1>'
                f'<p id="reason">{html.escape(reason)}</p>'
                '<p>Ask a portal administrator to open the app again; if this persists, check the '
                'gateway logs for this portal.</p>')
        script = ""
    # The outcome as data attributes too: what a script or a test reads without scraping text.
    outcome = (f'data-status="{html.escape(str(body.get("status") or ""))}" '
               f'data-error="{html.escape(str(body.get("error") or ""))}"')
    page = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>AICA: install</title>'
            f'<style nonce="{nonce}">{STYLE}</style></head><body {outcome}>{main}{script}</body></html>')
    headers = {"Content-Security-Policy": CSP.format(sdk=BX24_SDK, nonce=nonce, ancestors=ancestors)}
    return page, headers
