"""What a stage reads, the record it expects there, and what it writes: declared once per stage
module (`SPEC`), used by the worker to wire the app, by StageRunner to decode its input and
refuse undeclared outputs, and by a test that holds `schemas/topics.yaml` to the code."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

ANY_TOPIC = "*"  # writes back to whatever topic a held message came from (retry, parked)


@dataclass(frozen=True)
class StageSpec:
    name: str  # the worker's stage name (AICA_WORKER_STAGES) and the dead letters' `stage`
    module: str  # where the stage lives, as topics.yaml names its producers and consumers
    reads: Mapping[str, str]  # logical topic (streams.topics.Topic) -> Avro record expected there
    writes: tuple[str, ...] = ()  # logical topics it publishes to; retry/dead-letter/parked are implicit

    @property
    def record(self) -> str:
        """The one record a single-input stage decodes."""
        records = set(self.reads.values())
        if len(records) != 1:
            raise ValueError(f"stage {self.name} reads several records: {sorted(records)}")
        return records.pop()

    @property
    def topic(self) -> str:
        if len(self.reads) != 1:
            raise ValueError(f"stage {self.name} reads several topics")
        return next(iter(self.reads))
