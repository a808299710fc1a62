"""Create the AICA user fields on contacts and deals (idempotent: found again by XML_ID)."""
from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)

UF_PREFIX = "UF_CRM_"
MAX_BATCH = 50  # commands per `batch` (docs/bitrix24-api.md §6.2)
FIELD_TYPES = {  # logical key -> (USER_TYPE_ID, label, settings)
    "quality": ("double", "AI call quality (0-100)", {"PRECISION": 0}),
    "summary": ("string", "AI call summary", {"ROWS": 3}),
    "improvements": ("string", "AI suggested improvements", {"ROWS": 4}),
    "compliance": ("string", "AI compliance status", {}),
}


def userfield_spec(key: str, field_name: str) -> dict[str, Any]:
    user_type, label, settings = FIELD_TYPES[key]
    return {"FIELD_NAME": field_name.removeprefix(UF_PREFIX), "USER_TYPE_ID": user_type,
            "XML_ID": f"aica_{key}", "LABEL": label, "SETTINGS": settings,
            "SHOW_FILTER": "Y", "EDIT_IN_LIST": "N"}


def missing_fields(existing: list[dict], wanted: dict[str, str]) -> dict[str, str]:
    """wanted: UF_CRM_* name -> logical key. Returns those with no existing field of that name."""
    names = {str(row.get("FIELD_NAME")) for row in existing}
    return {name: key for name, key in wanted.items() if name not in names}


async def ensure_fields(rest: Any, member_id: str, wanted_by_entity: dict[str, dict[str, str]]) -> list[str]:
    """wanted_by_entity: {"contact": {"UF_CRM_AICA_QUALITY": "quality", ...}, "deal": {...}}.
    Two requests of the portal's rate limit however many fields: one `batch` lists every entity's
    fields, one creates the missing ones. The first refusal is raised (the others still ran)."""
    if not wanted_by_entity:
        return []
    lists = {entity: (f"crm.{entity}.userfield.list", {"filter": {}}) for entity in wanted_by_entity}
    existing, errors = await rest.batch(member_id, lists)
    if errors:
        raise next(iter(errors.values()))
    adds = {f"{entity}.{name}": (f"crm.{entity}.userfield.add", {"fields": userfield_spec(key, name)})
            for entity, wanted in wanted_by_entity.items()
            for name, key in missing_fields(existing.get(entity) or [], wanted).items()}
    names = list(adds)
    for start in range(0, len(names), MAX_BATCH):
        _, errors = await rest.batch(member_id, {n: adds[n] for n in names[start:start + MAX_BATCH]})
        if errors:
            raise next(iter(errors.values()))
    if names:
        log.info("portal %s: created fields %s", member_id, names)
    return names


def wanted_fields(catalog: Any) -> dict[str, dict[str, str]]:
    """Every enabled field of every project, per entity type it writes to."""
    out: dict[str, dict[str, str]] = {}
    for project in catalog.projects.values():
        for entity in project.write_to:
            if entity in ("contact", "deal"):
                out.setdefault(entity, {}).update(
                    {name: key for key, name in project.crm_fields.enabled_fields().items()})
    return out
