"""The Grafana dashboard in the repo charts what streams.metrics declares: no panel queries a
metric that does not exist, and no declared metric goes uncharted."""
from __future__ import annotations

import json
import re

from prometheus_client.metrics import MetricWrapperBase

from streams import metrics
from tests.conftest import REPO

SUFFIXES = ("_bucket", "_count", "_sum", "_total")


def declared() -> set[str]:
    return {m._name for m in vars(metrics).values() if isinstance(m, MetricWrapperBase)}


def base_name(name: str) -> str:
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def test_every_panel_queries_declared_metrics_and_every_metric_is_charted():
    dashboard = json.loads((REPO / "deploy" / "grafana" / "aica.json").read_text())
    queried = {base_name(name) for panel in dashboard["panels"] for target in panel["targets"]
               for name in re.findall(r"\baica_[a-z_]+", target["expr"])}
    names = {base_name(n) for n in declared()}
    assert queried - names == set(), "panels query metrics nobody declares"
    assert names - queried == set(), "declared metrics no panel charts"
    assert len({p["id"] for p in dashboard["panels"]}) == len(dashboard["panels"])
