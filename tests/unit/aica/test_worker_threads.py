"""The worker's named threads: the text stages run below ASR's priority, and so do the threads
their models start (the encoder's OpenMP team is started by the thread that first runs it)."""
from __future__ import annotations

import os
import threading
from pathlib import Path

from aica.worker import WorkerResources, named_pool
from streams.settings import Settings


def _own_priority_and_name() -> tuple[int, str]:
    thread_id = threading.get_native_id()
    return (os.getpriority(os.PRIO_PROCESS, thread_id),
            Path(f"/proc/self/task/{thread_id}/comm").read_text().strip())


def _priority_of_a_thread_it_starts() -> int:
    found: list[int] = []
    child = threading.Thread(target=lambda: found.append(_own_priority_and_name()[0]))
    child.start()
    child.join()
    return found[0]


def test_a_niced_pool_runs_below_the_process_and_its_threads_inherit_it():
    base = os.getpriority(os.PRIO_PROCESS, 0)
    with named_pool("nice-test", nice=3) as pool:
        priority, name = pool.submit(_own_priority_and_name).result()
        started = pool.submit(_priority_of_a_thread_it_starts).result()
    assert priority == min(19, base + 3)
    assert name == "aica-nice-test"
    assert started == priority


def test_a_pool_without_nice_keeps_the_process_priority():
    base = os.getpriority(os.PRIO_PROCESS, 0)
    with named_pool("plain-test") as pool:
        assert pool.submit(_own_priority_and_name).result() == (base, "aica-plain-test")


def test_the_worker_nices_the_text_models_thread_and_not_asr(tmp_path):
    base = os.getpriority(os.PRIO_PROCESS, 0)
    resources = WorkerResources(Settings(data_dir=tmp_path, text_models_nice=2))
    try:
        assert resources.cpu_thread.submit(_own_priority_and_name).result() == (min(19, base + 2), "aica-text-model")  # the OS keeps 15 characters
        assert resources.model_thread.submit(_own_priority_and_name).result() == (base, "aica-asr")
    finally:
        for pool in (resources.cpu_thread, resources.model_thread, resources.clickhouse_thread):
            pool.shutdown()
