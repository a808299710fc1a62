"""Several portals under load at once (issue 10, rate limits): CRM write-back in the worker that
owns them, install posts at the gateway and card tabs opened in a dashboard of another process,
all against sandbox portals that enforce Bitrix24's leaky bucket (docs/bitrix24-api.md §6.1: 50
deep, 2/s; over it 503 QUERY_LIMIT_EXCEEDED). The three processes run in one event loop, each with
its own limiters as it would have them; each portal counts the requests of all three, as from one
egress IP. Real parts: the REST client, the CRM writer, the gateway app (/b24/install) and the
dashboard app (/app/placement) over HTTP. The CRM write ledger is kept in memory: chdb's one
thread would hold the lanes below the portal's rate, and the limiters would never be pressed.

Two designs, in one run:
- separate (before): a limiter per portal in each REST client at the old settings (40 deep, 2/s:
  the worker's, the gateway's install client), none for user.admin or the placement check;
- shared (bitrix.limits): the worker's owner budget, a side budget in the gateway and another in
  the dashboard (settings defaults).
Both run this change's cheaper calls (setup in three batches, the placement check in one, the
verified-placement cache), so the baseline understates what the old code sent.

Per portal: `--calls` scored calls written (one batch each) in a lane, one call at a time as
PortalLanes runs them; `--installs` install posts; `--users` agents each opening `--cards` cards
twice (the second a reload), spread over the time the writes need. A write the portal refuses is
retried after the first retry tier's delay (as the stage would); an install or tab answered 503
(or 429) is posted again after its Retry-After. Every post comes from 127.0.0.1, so the
per-address caps on install and placement posts are lifted. `--scale` multiplies every rate (portal drain and budgets).

    .venv/bin/python -m bench.rest_limits --portals 3 --calls 80 --scale 1

About 310 lines: three processes' wiring, the load, the baseline and the figures in one run."""
from __future__ import annotations

import argparse
import asyncio
import logging
import random
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
from aiohttp import web

from bitrix.client import RestClient
from bitrix.fields import ensure_fields, wanted_fields
from bitrix.forms import flatten
from bitrix.limits import PortalLimits
from bitrix.portals import InMemoryPortals
from blobs.store import LocalBlobStore
from catalog.portal_settings import PortalCatalogs
from catalog.projects import load_catalog
from dashboard.app import create_dashboard_app, mounted
from gateway.app import create_app as create_gateway
from sandbox.apps import install_event_form
from sandbox.crm import create_entity
from sandbox.frames import add_user, issue_user_token, placement_form
from sandbox.portal import create_sandbox_app
from sandbox.state import LeakyBucket, SandboxState
from sinks.crm_writeback import CrmWriter
from streams.settings import Settings
from streams.stage import UpstreamUnavailable, now_ms
from warehouse.connection import connect
from warehouse.read_model import CallStore
from warehouse.writer import ClickHouseWriter

DESIGNS = ("separate", "shared")
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@dataclass
class Figures:
    design: str
    writes_wanted: int = 0
    writes_landed: int = 0
    duplicate_writes: int = 0
    write_retries: int = 0
    requests: int = 0
    rejected: int = 0  # 503 QUERY_LIMIT_EXCEEDED answered by the portals
    peak_level: float = 0.0  # the fullest any portal's bucket got
    installs: Counter = field(default_factory=Counter)  # HTTP status -> posts
    tabs: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    write_seconds: float = 0.0  # until the last portal's last write landed


class NoBroker:
    """The gateway's publisher: install posts publish nothing, and no events are posted here."""

    async def publish(self, topic: str, key: bytes, value: bytes) -> None:
        raise AssertionError("nothing is published in this benchmark")


class MemoryLedger:
    """The CRM write ledger's interface (warehouse.crm_ledger), in memory."""

    def __init__(self) -> None:
        self.rows: dict[tuple, str] = {}
        self.newest_order: dict[tuple, str] = {}

    async def status(self, *key: object) -> str | None:
        return self.rows.get(key)

    async def mark(self, member_id: str, call_id: str, entity_type: str, entity_id: int, fingerprint: str,
                   status: str, fields: dict, error: str = "", call_order: str = "") -> None:
        self.rows[(member_id, call_id, entity_type, entity_id, fingerprint)] = status
        if status == "done":
            entity = (member_id, entity_type, entity_id)
            self.newest_order[entity] = max(self.newest_order.get(entity, ""), call_order)

    async def newest(self, member_id: str, entity_type: str, entity_id: int) -> str | None:
        return self.newest_order.get((member_id, entity_type, entity_id))


class NoPortalSettings:
    def get(self, member_id: str) -> None:
        return None

    async def put(self, value: object) -> None:
        pass


def scored_call(state: SandboxState, project: str, activity_id: int, contact: int, deal: int) -> dict:
    """An aica.CallScore as the score stage publishes it, bound to one contact and one deal."""
    return {"context": {"call_id": f"{state.member_id}.{activity_id}", "member_id": state.member_id,
                        "domain": state.domain, "activity_id": activity_id, "project": project,
                        "language": "en", "line": None, "direction": "incoming", "responsible_id": 1,
                        "started_at": None, "duration_s": 60.0, "versions": {},
                        "bindings": [{"entity_type": "contact", "entity_id": contact},
                                     {"entity_type": "deal", "entity_id": deal}]},
            "scorecard": "default@1", "score": 70, "outcome": "good", "compliance": "pass",
            "summary": f"Call {activity_id}.", "improvements": [], "criteria": [],
            "talk": {"agent_talk_s": 30.0, "client_talk_s": 25.0, "silence_s": 5.0, "segments": 8},
            "scored_at": now_ms()}


def peak_level(times: list[float], burst: int, per_s: float) -> float:
    """The fullest the portal's bucket got over these arrival times."""
    bucket, peak = LeakyBucket(burst=burst, per_s=per_s), 0.0
    for at in sorted(times):
        bucket.admit(at)
        peak = max(peak, bucket.level)
    return peak


def budgets(settings: Settings, design: str) -> tuple[PortalLimits, PortalLimits, PortalLimits]:
    """The limiters of the worker, the gateway and the dashboard."""
    if design == "shared":
        return PortalLimits(settings), PortalLimits.side_only(settings), PortalLimits.side_only(settings)
    old = settings.model_copy(update={"rest_burst": round(0.8 * settings.rest_portal_burst),  # 40 of 50
                                      "rest_rate_per_s": settings.rest_portal_rate_per_s})
    unlimited = settings.model_copy(update={"rest_burst": 10**6, "rest_rate_per_s": 10.0**6})
    return PortalLimits(old), PortalLimits(old), PortalLimits(unlimited)


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


async def write_lane(writer: CrmWriter, scores: list[dict], retry_s: float, figures: Figures,
                     started: float) -> None:
    for score in scores:
        while True:
            try:
                await writer.handle(score, None)
                break
            except Exception as exc:  # the stage's retry tier, shortened
                if not (isinstance(exc, UpstreamUnavailable) or isinstance(exc.__cause__, UpstreamUnavailable)):
                    raise
                figures.write_retries += 1
                await asyncio.sleep(retry_s)
    figures.write_seconds = max(figures.write_seconds, time.monotonic() - started)


async def post_until_served(http: aiohttp.ClientSession, url: str, body: str, counts: Counter,
                            at: float, scale: float) -> None:
    """A person posting (install, tab); a 503 is posted again after its Retry-After."""
    await asyncio.sleep(at)
    while True:
        async with http.post(url, data=body, headers=FORM) as response:
            counts[response.status] += 1
            if response.status not in (429, 503):
                return
            await asyncio.sleep(float(response.headers.get("Retry-After", "1")) / scale)


async def run_design(design: str, *, portals: int, calls: int, installs: int, users: int, cards: int,
                     scale: float, data_dir: Path, clickhouse: object, executor: ThreadPoolExecutor,
                     seed: int = 7, budget: dict | None = None) -> Figures:
    """`budget`: settings overriding the portal's bucket and our budgets (defaults: Bitrix24's)."""
    rng, figures, runners = random.Random(seed), Figures(design), []
    base = Settings(data_dir=data_dir, **(budget or {}))
    depth = base.rest_portal_burst
    states = [SandboxState(bucket=LeakyBucket(burst=depth, per_s=2.0 * scale)) for _ in range(portals)]
    try:
        for state in states:
            runner, state.base_url = await serve(create_sandbox_app(state))
            runners.append(runner)
        settings = base.model_copy(update={
            "rest_portal_rate_per_s": 2.0 * scale, "rest_rate_per_s": base.rest_rate_per_s * scale,
            "rest_side_rate_per_s": base.rest_side_rate_per_s * scale,
            "oauth_server_endpoints": [s.server_endpoint for s in states], "public_url": "https://gw.example",
            # every post here comes from 127.0.0.1: the per-address cap would measure the benchmark
            "placement_posts_per_ip_per_min": 10_000, "install_posts_per_ip_per_min": 10_000})
        directory, catalog = InMemoryPortals(*(s.installation() for s in states)), load_catalog(settings)
        worker_limits, gateway_limits, dashboard_limits = budgets(settings, design)
        async with aiohttp.ClientSession() as http:
            unlimited = Settings(rest_burst=10**6, rest_rate_per_s=10.0**6)
            for state in states:  # the fields exist before the load (not counted)
                await ensure_fields(RestClient(http, directory, unlimited), state.member_id, wanted_fields(catalog))
                state.requests.clear()
                state.bucket = LeakyBucket(burst=depth, per_s=2.0 * scale)
            gateway, gateway_url = await serve(create_gateway(settings, directory, NoBroker(), limits=gateway_limits))
            dashboard = create_dashboard_app(settings, directory, CallStore(clickhouse, executor),
                                             LocalBlobStore(data_dir / "blobs"), NoPortalSettings(),
                                             PortalCatalogs(catalog, NoPortalSettings()),
                                             RestClient(http, directory, settings, limits=dashboard_limits),
                                             limits=dashboard_limits)
            dash, dashboard_url = await serve(mounted(dashboard))
            runners += [gateway, dash]
            writer = CrmWriter(RestClient(http, directory, settings, limits=worker_limits), MemoryLedger(), catalog)
            window = max(2.0, calls / settings.rest_rate_per_s)  # about how long the writes take
            project, tasks, wanted = catalog.resolve(states[0].member_id, None).name, [], set()
            started = time.monotonic()
            for state in states:
                scores = []
                for i in range(calls):
                    contact = create_entity(state, "contact", {"NAME": f"c{i}"})
                    deal = create_entity(state, "deal", {"TITLE": f"d{i}", "CONTACT_ID": contact})
                    scores.append(scored_call(state, project, 10_000 + i, contact, deal))
                    wanted |= {(state.member_id, "contact", contact), (state.member_id, "deal", deal)}
                tasks.append(write_lane(writer, scores, settings.retry_delays_s[0] / scale, figures, started))
                for _ in range(installs):
                    body = urlencode(flatten(install_event_form(state)))
                    tasks.append(post_until_served(http, f"{gateway_url}/b24/install", body, figures.installs,
                                                   rng.uniform(0, window), scale))
                for u in range(users):
                    token = issue_user_token(state, add_user(state, f"agent{u}", admin=False))
                    for card in rng.sample(sorted(state.contacts), cards) * 2:  # each opened, then reloaded
                        body = urlencode(placement_form(state, "CRM_CONTACT_DETAIL_TAB", card, token))
                        tasks.append(post_until_served(http, f"{dashboard_url}/app/placement?LANG=en", body,
                                                       figures.tabs, rng.uniform(0, window), scale))
            await asyncio.gather(*tasks)
            figures.seconds = time.monotonic() - started
        writes = Counter((s.member_id, u["method"].split(".")[1], int(u["id"])) for s in states for u in s.updates)
        figures.writes_wanted, figures.writes_landed = len(wanted), len(wanted & set(writes))
        figures.duplicate_writes = sum(n - 1 for n in writes.values())
        for state in states:
            rest = [r for r in state.requests if r["path"].startswith("/rest/")]
            figures.requests += len(rest)
            figures.rejected += sum(1 for r in rest if r["status"] == 503)
            figures.peak_level = max(figures.peak_level, peak_level([r["at"] for r in rest], depth, 2.0 * scale))
        return figures
    finally:
        for runner in reversed(runners):
            await runner.cleanup()


def open_clickhouse(data_dir: Path) -> tuple[object, ThreadPoolExecutor]:
    """The dashboard's read store (a placement reads nothing from it) and the thread that owns it."""
    executor = ThreadPoolExecutor(1, thread_name_prefix="clickhouse")
    settings = Settings(data_dir=data_dir, clickhouse_database="aica_bench_limits")

    def open_client() -> object:
        client = connect(settings)
        ClickHouseWriter(client, settings.clickhouse_database).ensure_schema()
        return client
    return executor.submit(open_client).result(), executor


def report(figures: list[Figures]) -> str:
    head = ("| design | writes landed | duplicates | write retries | REST requests | 503 QUERY_LIMIT_EXCEEDED "
            "| peak bucket level (of 50) | installs (status: posts) | tabs (status: posts) | writes done in s |")
    lines = [head, "|---" * 10 + "|"]
    for f in figures:
        lines.append(f"| {f.design} | {f.writes_landed}/{f.writes_wanted} | {f.duplicate_writes} | "
                     f"{f.write_retries} | {f.requests} | {f.rejected} | {f.peak_level:.1f} | "
                     f"{dict(sorted(f.installs.items()))} | {dict(sorted(f.tabs.items()))} | {f.write_seconds:.0f} |")
    return "\n".join(lines)


async def main_async(args: argparse.Namespace) -> list[Figures]:
    with tempfile.TemporaryDirectory() as tmp:
        clickhouse, executor = open_clickhouse(Path(tmp))
        try:
            return [await run_design(design, portals=args.portals, calls=args.calls, installs=args.installs,
                                     users=args.users, cards=args.cards, scale=args.scale,
                                     data_dir=Path(tmp) / design, clickhouse=clickhouse, executor=executor)
                    for design in args.designs]
        finally:
            executor.submit(clickhouse.close).result()
            executor.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--portals", type=int, default=3)
    parser.add_argument("--calls", type=int, default=80, help="scored calls written per portal")
    parser.add_argument("--installs", type=int, default=2, help="install posts per portal")
    parser.add_argument("--users", type=int, default=8, help="agents per portal opening card tabs")
    parser.add_argument("--cards", type=int, default=3, help="cards each agent opens (each reloaded once)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every rate (1 = Bitrix24's 2/s)")
    parser.add_argument("--designs", nargs="+", default=list(DESIGNS), choices=DESIGNS)
    args = parser.parse_args()
    logging.getLogger("bitrix.limits").setLevel(logging.ERROR)  # the baseline overcommits by design
    print(report(asyncio.run(main_async(args))))


if __name__ == "__main__":
    main()
