"""`/bitrix/tools/crm_show_file.php`: the recording behind FILES[].url (§3.3). The `auth`
parameter is the whole gate; the body is served with Range support."""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import hdrs, web

from sandbox.rest import check_token
from sandbox.state import SandboxState, StoredFile
from sandbox.wire import RestError, failure


def find_file(state: SandboxState, query: dict[str, str]) -> StoredFile:
    """The file must belong to the activity named in the URL, as ownerId/ownerTypeId say."""
    try:
        stored = state.files.get(int(query.get("fileId", "")))
        owner_id = int(query.get("ownerId", ""))
    except ValueError:
        stored, owner_id = None, -1
    if stored is None:
        raise RestError(404, "ERROR_NOT_FOUND", "File not found")
    if query.get("ownerTypeId") != "6" or owner_id != stored.activity_id:
        raise RestError(403, "ACCESS_DENIED", "Access denied")
    return stored


def byte_range(request: web.Request, size: int) -> tuple[int, int] | None:
    """(start, end exclusive) of a satisfiable Range, None without one; ValueError if unsatisfiable."""
    if hdrs.RANGE not in request.headers:
        return None
    start, stop, _ = request.http_range.indices(size)
    if start >= stop:
        raise ValueError("range not satisfiable")
    return start, stop


def make_file_handler(state: SandboxState) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handle(request: web.Request) -> web.StreamResponse:
        try:
            check_token(state, request.query.get("auth", ""))
            stored = find_file(state, dict(request.query))
        except RestError as error:
            return failure(error)
        headers = {hdrs.ACCEPT_RANGES: "bytes", hdrs.CONTENT_TYPE: stored.content_type,
                   hdrs.CONTENT_DISPOSITION: f'attachment; filename="{stored.name}"'}
        size = len(stored.body)
        try:
            span = byte_range(request, size)
        except ValueError:
            return web.Response(status=416, headers={hdrs.CONTENT_RANGE: f"bytes */{size}"})
        if span is None:
            return web.Response(body=stored.body, headers=headers)
        start, stop = span
        headers[hdrs.CONTENT_RANGE] = f"bytes {start}-{stop - 1}/{size}"
        return web.Response(status=206, body=stored.body[start:stop], headers=headers)
    return handle
