"""The contact's call list and the call detail, this code against an earlier commit's, interleaved
on one kept `bench.dashboard_reads` data dir (the same entities and calls, each read by both in
turn, answers compared): on a shared machine the fairest before/after, since both see the same
load at the same moments. The earlier read model is loaded from `git show REF:...` as its own
modules (warehouse.call_listing, warehouse.read_model; the rest is this tree's).

    .venv/bin/python -m bench.read_model_ab --data-dir DIR --ref 00ce79d --reads 60
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.dashboard_reads import BIG, DB, pct
from streams.settings import Settings
from warehouse import read_model
from warehouse.connection import connect


def module_at(ref: str, path: str, name: str, replace: tuple[str, str] | None = None):
    """`path` as it was at git `ref`, imported as module `name`."""
    source = subprocess.run(["git", "show", f"{ref}:{path}"], check=True, capture_output=True, text=True).stdout
    if replace:
        source = source.replace(*replace)
    file = Path(tempfile.mkdtemp(prefix="aica-ab-")) / f"{name}.py"
    file.write_text(source)
    spec = importlib.util.spec_from_file_location(name, file)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--ref", required=True, help="the earlier commit")
    parser.add_argument("--reads", type=int, default=60)
    parser.add_argument("--calls", type=int, default=10_000_000, help="as generated (sizes the id ranges)")
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    module_at(args.ref, "warehouse/call_listing.py", "ab_call_listing")
    before = module_at(args.ref, "warehouse/read_model.py", "ab_read_model",
                       ("from warehouse.call_listing import", "from ab_call_listing import"))
    client = connect(Settings(data_dir=Path(args.data_dir), clickhouse_database=DB))
    big = args.calls * 8 // 10
    rng = random.Random(args.seed)
    cases = {
        "entity_calls 20": lambda i: (lambda m, e=rng.randint(1, max(1, big * 200_000 // 8_000_000)):
                                      m.entity_calls(client, BIG, "contact", e, 20)),
        # Every 4th call under its first version (a rescored one shows both), as dashboard_reads.
        "call_detail": lambda i: (lambda m, c=f"{BIG}.{20 * rng.randrange(big // 20) if i % 4 == 0 else rng.randrange(big)}",
                                  s="support-en@1" if i % 4 == 0 else None: m.call_detail(client, BIG, c, s)),
    }
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for name, case in cases.items():
        spent: dict[str, tuple[list[float], list[float]]] = {args.ref: ([], []), "this": ([], [])}
        for i in range(args.reads + 3):  # the first 3: warm-up
            read, answers = case(i), []
            for label, module in ((args.ref, before), ("this", read_model))[::1 if i % 2 else -1]:
                start, cpu = time.perf_counter(), time.process_time()
                answers.append(read(module))
                if i >= 3:
                    spent[label][0].append((time.perf_counter() - start) * 1000)
                    spent[label][1].append((time.process_time() - cpu) * 1000)
            if answers[0] != answers[1]:
                raise AssertionError(f"{name}: the answers differ (read {i})")
        for label, (wall, cpu) in spent.items():
            print(f"{name:<16} {label:<8} wall p50 {pct(wall, 50):6.1f} p95 {pct(wall, 95):6.1f}"
                  f"   CPU p50 {pct(cpu, 50):6.1f} p95 {pct(cpu, 95):6.1f}  (ms, {args.reads} reads)")
    print(f"load average at end: {os.getloadavg()[0]:.1f}")
    client.close()


if __name__ == "__main__":
    main()
