"""A compacted view started before its topic exists (a gateway up before the worker ran
ensure_topics) must follow the topic once it is created, not stay empty for good."""
from __future__ import annotations

import pytest

from control.reconcile_marks import ReconcileMarks
from streams.topics import ensure_topics

pytestmark = pytest.mark.integration


def test_a_view_started_before_its_topic_exists_follows_it_once_created(pipeline_settings):
    early = ReconcileMarks(pipeline_settings)
    with pytest.raises(TimeoutError):
        early.start(timeout_s=2.0)  # no topic: not "loaded" with nothing in it
    try:
        ensure_topics(pipeline_settings)
        writer = ReconcileMarks(pipeline_settings).start()
        mark = {"member_id": "m1", "since": 0, "until": 1, "after_id": 0, "complete": True,
                "enqueued": 0, "updated_at": 5}
        writer.put_sync(mark)
        writer.stop()
        assert early._loaded.wait(60)
        for _ in range(600):
            if early.get("m1") is not None:
                break
            early._stop.wait(0.1)
        assert early.get("m1")["member_id"] == "m1"
    finally:
        early.stop()
