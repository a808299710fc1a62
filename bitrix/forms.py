"""PHP-style bracketed form keys, as Bitrix24 sends events (`http_build_query` of nested arrays):
`data[FIELDS][ID]=999&auth[member_id]=...` <-> {"data": {"FIELDS": {"ID": "999"}}, "auth": {...}}."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


# Bitrix24's forms nest 3 deep (`data[FIELDS][ID]`) and carry a few dozen keys. Without caps,
# `event[][][]...` nests thousands deep and the first str() or repr() of it is a RecursionError.
MAX_DEPTH = 8
MAX_KEYS = 256


class FormShapeError(ValueError):
    """The keys do not form a consistent nested structure (e.g. `a=1&a[b]=2`), or go past the caps."""


def _parts(key: str) -> list[str]:
    if "[" not in key:
        return [key]
    if key.count("[") >= MAX_DEPTH:
        raise FormShapeError(f"a key nests deeper than {MAX_DEPTH} levels")
    head, _, rest = key.partition("[")
    if not head or not rest.endswith("]"):
        raise FormShapeError("malformed key")
    return [head] + rest[:-1].split("][")


def unflatten(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Nest flat bracketed pairs. `x[]` appends to a list. Conflicts raise FormShapeError."""
    root: dict[str, Any] = {}
    for count, (key, value) in enumerate(pairs, 1):
        if count > MAX_KEYS:
            raise FormShapeError(f"more than {MAX_KEYS} keys")
        parts = _parts(key)
        node: Any = root
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if isinstance(node, list):
                if part != "":
                    raise FormShapeError(f"mixed list/dict at {key!r}")
                if last:
                    node.append(value)
                    break
                node.append({})
                node = node[-1]
                continue
            if last:
                if part in node and isinstance(node[part], (dict, list)):
                    raise FormShapeError(f"scalar and nested values for {key!r}")
                node[part] = value
            else:
                nxt = parts[i + 1]
                child = node.get(part)
                if child is None:
                    child = [] if nxt == "" else {}
                    node[part] = child
                elif not isinstance(child, (dict, list)):
                    raise FormShapeError(f"scalar and nested values for {key!r}")
                node = child
    return root


def flatten(data: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """Inverse of unflatten, in PHP http_build_query key style (used by the sandbox portal)."""
    out: list[tuple[str, str]] = []
    for key, value in data.items():
        name = f"{prefix}[{key}]" if prefix else str(key)
        if isinstance(value, Mapping):
            out.extend(flatten(value, name))
        elif isinstance(value, (list, tuple)):
            out.extend(flatten({str(i): v for i, v in enumerate(value)}, name))
        elif value is None:
            out.append((name, ""))
        elif isinstance(value, bool):
            out.append((name, "1" if value else "0"))
        else:
            out.append((name, str(value)))
    return out
