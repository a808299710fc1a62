"""The demo: the embedded stack, N scripted sample calls placed in the sandbox portal exactly as
Bitrix24 would report them, then what reached the CRM and ClickHouse, and a check that no planted
personal data was stored anywhere."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import textwrap
import time
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from aica.embedded import EmbeddedStack
from aica.progress import bar
from aica.run import start_with_progress
from aica.samples import Sample, find_leaks, load_samples, render_sample
from streams.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class PlacedCall:
    sample: Sample
    activity_id: int
    contact_id: int
    deal_id: int


async def place_calls(sandbox_url: str, samples: list[Sample], audio_dir: Path,
                      record_delay_s: float = 1.0) -> list[PlacedCall]:
    """Create a contact and a deal per call, then the call itself (events follow from the portal)."""
    placed = []
    async with aiohttp.ClientSession(base_url=sandbox_url) as http:
        for sample in samples:
            path = await asyncio.to_thread(render_sample, sample, audio_dir)
            with contextlib.closing(wave.open(str(path))) as wav:
                duration_s = round(wav.getnframes() / wav.getframerate())
            contact = await _post(http, "/_sandbox/contacts", {"NAME": "Demo", "LAST_NAME": sample.id})
            deal = await _post(http, "/_sandbox/deals", {"TITLE": sample.title, "CONTACT_ID": contact["id"]})
            call = await _post(http, "/_sandbox/calls", {
                "audio_path": str(path.resolve()), "file_name": path.name,
                "line": sample.line, "direction": sample.direction,
                "contact_id": contact["id"], "deal_id": deal["id"], "record_delay_s": record_delay_s,
                "duration_s": duration_s,
            })
            placed.append(PlacedCall(sample, int(call["activity_id"]), int(contact["id"]), int(deal["id"])))
    return placed


async def _post(http: aiohttp.ClientSession, path: str, body: dict) -> dict:
    async with http.post(path, json=body) as resp:
        resp.raise_for_status()
        return await resp.json()


async def crm_updates(sandbox_url: str) -> list[dict]:
    async with aiohttp.ClientSession(base_url=sandbox_url) as http:
        async with http.get("/_sandbox/updates") as resp:
            resp.raise_for_status()
            return (await resp.json())["updates"]


def updated_entity(update: dict) -> tuple[str, int]:
    """("contact" | "deal", id) of one recorded crm.*.update."""
    return update["method"].split(".")[1], int(update["id"])


def written_entities(updates: list[dict]) -> set[tuple[str, int]]:
    return {updated_entity(u) for u in updates}


def wanted_entities(calls: list[PlacedCall]) -> set[tuple[str, int]]:
    """The contact and deal each placed call should write."""
    return {(kind, c.contact_id if kind == "contact" else c.deal_id) for c in calls for kind in ("contact", "deal")}


async def wait_for_crm(sandbox_url: str, calls: list[PlacedCall], timeout_s: float,
                       worker_alive=lambda: True, on_progress=lambda done: None) -> list[dict]:
    wanted = wanted_entities(calls)
    deadline = time.monotonic() + timeout_s
    while True:
        updates = await crm_updates(sandbox_url)
        written = written_entities(updates)
        on_progress(sum(("contact", c.contact_id) in written and ("deal", c.deal_id) in written for c in calls))
        if wanted <= written_entities(updates):
            return updates
        if time.monotonic() > deadline:
            missing = sorted(wanted - written_entities(updates))
            raise TimeoutError(f"no CRM write for {missing} after {timeout_s:.0f}s")
        if not worker_alive():
            raise RuntimeError("the worker exited; see worker.log in the data directory")
        await asyncio.sleep(1.0)


def clickhouse_rows(settings: Settings, member_id: str) -> list[dict[str, Any]]:
    from warehouse.connection import connect
    from warehouse.read_model import call_rows
    client = connect(settings)
    try:
        return call_rows(client, member_id)
    finally:
        client.close()


def stored_texts(updates: list[dict], rows: list[dict]) -> list[str]:
    texts = [str(v) for u in updates for v in u["fields"].values()]
    for row in rows:
        texts += [str(row.get("summary", "")), *map(str, row.get("improvements", []))]
    return texts


async def run_demo(settings: Settings, n_calls: int, timeout_s: float) -> bool:
    samples = load_samples()[:n_calls]
    started = time.monotonic()
    stack = EmbeddedStack(settings)
    try:
        await start_with_progress(stack)
        print(f"stack up in {time.monotonic() - started:.1f}s: gateway {stack.gateway_url}, "
              f"sandbox portal {stack.sandbox_url}", flush=True)
        calls = await place_calls(stack.sandbox_url, samples, Path(settings.data_dir) / "samples")
        print(f"placed {len(calls)} calls; waiting for analysis results in the CRM ...", flush=True)
        with bar(len(calls), "calls analysed", unit="call") as analysed:
            updates = await wait_for_crm(stack.sandbox_url, calls, timeout_s, stack.worker_alive,
                                         on_progress=lambda done: analysed.update(done - analysed.n))
        await wait_until_consumed(settings, timeout_s=120)
        await asyncio.to_thread(stack.stop_worker)  # chdb is single-process: the worker lets go first
        rows = clickhouse_rows(settings, stack.sandbox_state.member_id)
    finally:
        await stack.stop()
    ok = report(calls, updates, rows)
    print(f"demo finished in {time.monotonic() - started:.1f}s: {'OK' if ok else 'FAILED'}")
    return ok


async def wait_until_consumed(settings: Settings, timeout_s: float) -> None:
    """Both sinks share the worker's consumer group: when its committed offsets on the scored
    topic reach the end, ClickHouse has every row."""
    from streams.offsets import group_lag
    from streams.topics import Topic
    deadline = time.monotonic() + timeout_s
    while await asyncio.to_thread(group_lag, settings, settings.consumer_group, settings.topic(Topic.SCORED)) > 0:
        if time.monotonic() > deadline:
            raise TimeoutError("ClickHouse sink did not catch up")
        await asyncio.sleep(1.0)


def report(calls: list[PlacedCall], updates: list[dict], rows: list[dict]) -> bool:
    by_activity = {int(r["activity_id"]): r for r in rows}
    ok = True
    for call in calls:
        print(f"\n=== {call.sample.id}: {call.sample.title} (activity {call.activity_id})")
        for kind, entity_id in (("contact", call.contact_id), ("deal", call.deal_id)):
            mine = [u for u in updates if u["method"] == f"crm.{kind}.update" and int(u["id"]) == entity_id]
            for u in mine:
                print(f"  CRM {kind} {entity_id}:")
                for name, value in u["fields"].items():
                    print(f"    {name} = {textwrap.shorten(str(value), 200, placeholder=' …')}")  # one line, whole words
            ok &= bool(mine)
        row = by_activity.get(call.activity_id)
        if row is None:
            print("  ClickHouse: MISSING")
            ok = False
        else:
            print(f"  ClickHouse calls row: score={row['score']} outcome={row['outcome']} "
                  f"compliance={row['compliance']} project={row['project']} duration={row['duration_s']}")
    leaks = find_leaks([p for c in calls for p in c.sample.planted_pii], "\n".join(stored_texts(updates, rows)))
    print(f"\nplanted personal data found in stored text: {leaks or 'none'}")
    return ok and not leaks
