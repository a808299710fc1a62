"""Browser-test fixtures: Debian's chromium driven by Playwright, a host page that loads the card
tab the way Bitrix24 does, and a small contract API for the widget-only tests.

Playwright's own browser download is never used (it cannot be fetched here): the tests launch the
system `chromium` package that scripts/setup.sh installs."""
from __future__ import annotations

import html
import json
import string
import wave
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web

from tests.conftest import REPO

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-quic", "--no-first-run", "--autoplay-policy=no-user-gesture-required"]
DASHBOARD = REPO / "dashboard"
ARTIFACTS = REPO / "test-artifacts"
FRAME_NAME = "aica_tab"
# The strict policy the widget must work under: no inline script or style, nothing from elsewhere.
WIDGET_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; media-src 'self'; "
              "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors {ancestors}")


def host_page(action_url: str, fields: dict[str, str]) -> str:
    """The card page of a portal: an iframe and a form POSTed into it on load, as Bitrix24 does."""
    inputs = "\n".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                       for k, v in fields.items())
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>Deal card</title></head>
<body style="margin:0"><h1 style="font:16px sans-serif;margin:8px">Deal card (host page)</h1>
<form id="placement" method="POST" target="{FRAME_NAME}" action="{html.escape(action_url)}">{inputs}</form>
<iframe name="{FRAME_NAME}" title="AICA" style="width:100%;height:1400px;border:0"></iframe>
<script>document.getElementById("placement").submit();</script></body></html>"""


@pytest.fixture
async def browser():
    from playwright.async_api import async_playwright
    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


@pytest.fixture
def open_tab(browser):
    """open_tab(host_url, frame_name=..., width=...) -> (page, frame): loads a portal's card page
    (which POSTs the placement form into its iframe) and waits until the widget has its data."""
    async def open_(host_url: str, *, frame_name: str = FRAME_NAME, width: int = 360):
        page = await browser.new_page(viewport={"width": width, "height": 900})
        problems: list[str] = []  # script errors and CSP refusals, shown if the widget never gets ready
        page.on("pageerror", lambda exc: problems.append(f"pageerror: {exc}"))
        page.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}")
                if msg.type in ("error", "warning") else None)
        page.on("requestfailed", lambda req: problems.append(f"failed: {req.url.split('?')[0]} {req.failure}"))
        await page.goto(host_url)
        frame = page.frame(name=frame_name)
        try:
            await frame.wait_for_selector("#aica[data-ready=true]", state="attached", timeout=30_000)
        except Exception as exc:
            content = (await frame.content())[:600]
            raise AssertionError(f"the widget never got ready at {frame.url}: {problems}\n{content}") from exc
        return page, frame
    return open_


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


# --- a contract API for widget-only tests (the real backend is tested in test_widget.py too) ----
@dataclass
class ContractApi:
    url: str
    session: str
    calls: list[dict]
    details: dict[str, dict]
    trend: list[dict]
    portal_url: str = ""  # a second origin, as the portal's is: it serves the card page
    requests: list[str] = field(default_factory=list)
    series: list[dict] = field(default_factory=list)  # trend lines per scorecard version
    versions: dict[str, dict[str, dict]] = field(default_factory=dict)  # call -> scorecard -> detail
    rescore_runs: list[dict] | None = None  # None: the user is not an admin (403)

    def card_url(self, lang: str = "en", deal_id: int = 8061) -> str:
        return f"{self.portal_url}/crm/deal/details/{deal_id}/?lang={lang}"


def placement_fields(*, domain: str, member_id: str, auth_id: str, deal_id: int, lang: str = "en") -> dict[str, str]:
    return {"AUTH_ID": auth_id, "AUTH_EXPIRES": "3600", "REFRESH_ID": "", "member_id": member_id, "status": "L",
            "PLACEMENT": "CRM_DEAL_DETAIL_TAB", "PLACEMENT_OPTIONS": json.dumps({"ID": str(deal_id)}),
            "DOMAIN": domain, "LANG": lang}


def contract_data() -> tuple[list[dict], dict[str, dict], list[dict]]:
    done = {"call_id": "c-1", "activity_id": 101, "started_at": "2026-05-04T10:15:00+03:00", "direction": "incoming",
            "responsible_id": 7, "duration_s": 30, "score": 86.4, "outcome": "good", "status": "done", "reason": None}
    calls = [done,
             {**done, "call_id": "c-2", "activity_id": 102, "direction": "outgoing", "score": None, "outcome": None,
              "status": "processing"},
             {**done, "call_id": "c-3", "activity_id": 103, "score": None, "outcome": None, "status": "failed",
              "reason": "recording could not be downloaded"},
             {**done, "call_id": "c-4", "activity_id": 104, "score": None, "outcome": None, "status": "skipped",
              "reason": "call shorter than 5 s"}]
    detail = {**done, "compliance": "pass", "summary": "Refund of a duplicate charge.", "improvements": ["Say goodbye"],
              "scorecard": "support-en@1", "scorecards": [{"scorecard": "support-en@1", "score": 86, "outcome": "good",
                                                            "scored_at": "2026-05-04T10:20:00+00:00"}],
              "audio_url": "/app/api/calls/c-1/audio?session=s3cr3t",
              "criteria": [{"id": "greeting", "label": "Greets the client", "verdict": "met", "points": 10,
                            "weight": 10, "critical": False,
                            "evidence": [{"quote": "thank you for calling", "segment": 0, "start": 0.0}]},
                           {"id": "resolution", "label": "Resolves the issue", "verdict": "not_met", "points": 0,
                            "weight": 30, "critical": True,
                            "evidence": [{"quote": "issued a refund", "segment": 2, "start": 12.5}]},
                           {"id": "verification", "label": "Verifies the caller", "verdict": "na", "points": 0,
                            "weight": 10, "critical": False,  # older rows: a segment but no start
                            "evidence": [{"quote": "charged twice", "segment": 1, "start": None},
                                         {"quote": "no position known", "segment": None, "start": None}]}],
              "transcript": [{"speaker": "agent", "start": 0.0, "end": 4.0, "text": "Good morning, thank you for calling."},
                             {"speaker": "client", "start": 4.2, "end": 9.0, "text": "My bill was charged <b>twice</b>."},
                             {"speaker": "unknown", "start": 12.5, "end": 18.0, "text": "I have issued a refund."}]}
    trend = [{"day": f"2026-05-0{d}", "avg_score": s, "calls": n} for d, s, n in ((1, 55.0, 2), (2, 70.5, 1), (4, 86.4, 3))]
    return calls, {"c-1": detail}, trend


def silent_wav(path: Path, seconds: int = 30, rate: int = 8000) -> Path:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(b"\0\0" * rate * seconds)
    return path


@pytest.fixture
async def contract_api(tmp_path):
    """Serves widget.html and the static files from dashboard/ and answers the API contract with
    fixed data; a wrong bearer token gets 401, as a stale session would."""
    calls, details, trend = contract_data()
    audio = silent_wav(tmp_path / "call.wav")
    api = ContractApi("", "s3cr3t", calls, details, trend)
    template = string.Template((DASHBOARD / "templates" / "widget.html").read_text())

    def authorised(request: web.Request) -> None:
        api.requests.append(request.path_qs)
        if request.headers.get("Authorization") != f"Bearer {api.session}":
            raise web.HTTPUnauthorized()

    async def placement(request: web.Request) -> web.Response:
        form = await request.post()
        page = template.substitute(session=api.session, lang=html.escape(request.query.get("LANG", "en")),
                                   entity_type="deal", entity_id=json.loads(form["PLACEMENT_OPTIONS"])["ID"],
                                   api_base="/app/api")
        csp = WIDGET_CSP.format(ancestors=api.portal_url)
        return web.Response(text=page, content_type="text/html", headers={"Content-Security-Policy": csp})

    async def list_calls(request):
        authorised(request)
        return web.json_response({"calls": api.calls})

    async def call_detail(request):
        authorised(request)
        call_id, scorecard = request.match_info["call_id"], request.query.get("scorecard")
        if scorecard:
            return web.json_response(api.versions[call_id][scorecard])
        return web.json_response(api.details[call_id])

    async def trend_points(request):
        authorised(request)
        return web.json_response({"points": api.trend, "series": api.series})

    async def rescore_runs(request):
        authorised(request)
        if api.rescore_runs is None:
            raise web.HTTPForbidden()
        return web.json_response({"runs": api.rescore_runs})

    async def recording(request):
        if request.query.get("session") != api.session:
            raise web.HTTPUnauthorized()
        return web.FileResponse(audio, headers={"Content-Type": "audio/wav"})

    async def card_page(request):
        domain = api.portal_url.split("://", 1)[1]
        lang = request.query.get("lang", "en")
        fields = placement_fields(domain=domain, member_id="m1", auth_id="user-token",
                                  deal_id=int(request.match_info["deal_id"]), lang=lang)
        action = f"{api.url}/app/placement?DOMAIN={domain}&PROTOCOL=0&LANG={lang}"
        return web.Response(text=host_page(action, fields), content_type="text/html")

    portal = web.Application()
    portal.router.add_get("/crm/deal/details/{deal_id}/", card_page)
    app = web.Application()
    app.router.add_post("/app/placement", placement)
    app.router.add_static("/app/static/", DASHBOARD / "static")
    app.router.add_get("/app/api/calls", list_calls)
    app.router.add_get("/app/api/calls/{call_id}", call_detail)
    app.router.add_get("/app/api/calls/{call_id}/audio", recording)
    app.router.add_get("/app/api/trend", trend_points)
    app.router.add_get("/app/api/rescore-runs", rescore_runs)
    runners = []
    for server in (app, portal):
        runner = web.AppRunner(server, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        runners.append(runner)
    api.url, api.portal_url = (f"http://127.0.0.1:{r.addresses[0][1]}" for r in runners)
    yield api
    for runner in runners:
        await runner.cleanup()
