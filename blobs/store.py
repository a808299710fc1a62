"""Blob store for recordings: audio never travels through Kafka, records carry `blob://` refs.
Local directory by default (a shared volume in production). Layout:
<root>/<member_id>/<call_id>/<file>, plus `ingested.json` once the call has been published, and
`held.<topic>` when a stage retries or dead-letters a message holding raw personal data
(streams.stage keeps the bytes here and only a reference on Kafka), and `transcript.<digest>.avro`,
the call's first transcript (agents.kept_transcripts). A portal purge removes all; after the
retention period everything but `ingested.json` goes (blobs.retention)."""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

_SAFE = re.compile(r"^[A-Za-z0-9._-]{1,128}$")


class BlobError(ValueError):
    pass


class LocalBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()

    def call_dir(self, member_id: str, call_id: str) -> Path:
        for part in (member_id, call_id):
            if not _SAFE.match(part) or part in (".", ".."):
                raise BlobError(f"unsafe blob path component {part!r}")
        return self.root / member_id / call_id

    def uri(self, member_id: str, call_id: str, name: str) -> str:
        return f"blob://{member_id}/{call_id}/{name}"

    def resolve(self, uri: str) -> Path:
        if not uri.startswith("blob://"):
            raise BlobError(f"not a blob uri: {uri!r}")
        parts = uri[len("blob://"):].split("/")
        if len(parts) != 3 or not _SAFE.match(parts[2]):
            raise BlobError(f"malformed blob uri: {uri!r}")
        return self.call_dir(parts[0], parts[1]) / parts[2]

    def keep(self, member_id: str, call_id: str, name: str, data: bytes) -> str:
        """Write `data` as <call dir>/<name> (atomically) and return its blob:// URI."""
        uri = self.uri(member_id, call_id, name)
        path = self.resolve(uri)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{name}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
        return uri

    def read(self, uri: str) -> bytes | None:
        """The bytes behind a blob:// URI, or None once gone (a purged portal)."""
        try:
            return self.resolve(uri).read_bytes()
        except FileNotFoundError:
            return None

    def ingested(self, member_id: str, call_id: str) -> dict | None:
        marker = self.call_dir(member_id, call_id) / "ingested.json"
        return json.loads(marker.read_text()) if marker.exists() else None

    def mark_ingested(self, member_id: str, call_id: str, meta: dict) -> None:
        marker = self.call_dir(member_id, call_id) / "ingested.json"
        tmp = marker.with_suffix(".tmp")
        tmp.write_text(json.dumps(meta))
        os.replace(tmp, marker)

    def purge_portal(self, member_id: str) -> None:
        import shutil
        target = self.root / member_id
        if _SAFE.match(member_id) and target.exists():
            shutil.rmtree(target)
