"""What an install answer says: JSON for the background callback, the install page's data
attributes (`data-status`, `data-error`) for the frame form."""
from __future__ import annotations

import html
import re

OUTCOME = re.compile(r'<body data-status="([^"]*)" data-error="([^"]*)"')


async def install_answer(response) -> dict:
    if response.content_type == "text/html":
        found = OUTCOME.search(await response.text())
        assert found, "the install page carries its outcome"
        status, error = (html.unescape(g) for g in found.groups())
        return {k: v for k, v in (("status", status), ("error", error)) if v}
    return await response.json()
