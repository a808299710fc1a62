"""Contacts, deals and their user fields (§4): get/update and userfield list/add/delete.
Like Bitrix24, an update silently drops fields that are neither standard nor existing UF_*."""
from __future__ import annotations

import re
import time
from functools import partial
from typing import Any

from sandbox import query
from sandbox.state import SandboxState, iso
from sandbox.wire import RestError, as_int, bitrix_value, not_found

ENTITY_IDS = {"contact": "CRM_CONTACT", "deal": "CRM_DEAL"}
STANDARD_FIELDS = {
    "contact": ("NAME", "SECOND_NAME", "LAST_NAME", "POST", "COMMENTS", "PHONE", "EMAIL",
                "ASSIGNED_BY_ID", "SOURCE_ID", "TYPE_ID", "OPENED", "EXPORT"),
    "deal": ("TITLE", "STAGE_ID", "CATEGORY_ID", "OPPORTUNITY", "CURRENCY_ID", "CONTACT_ID",
             "COMPANY_ID", "ASSIGNED_BY_ID", "COMMENTS", "CLOSED", "OPENED", "BEGINDATE",
             "CLOSEDATE"),
}
FIELD_NAME_CHARS = re.compile(r"^[A-Z0-9_]+$")
MAX_FIELD_NAME = 50


def _table(state: SandboxState, kind: str) -> dict[int, dict[str, Any]]:
    return state.contacts if kind == "contact" else state.deals


def _multifield(values: Any, type_id: str) -> list[dict[str, str]]:
    """PHONE/EMAIL are lists of {VALUE, VALUE_TYPE}; a bare string is one WORK value."""
    items = values if isinstance(values, list) else [{"VALUE": values, "VALUE_TYPE": "WORK"}]
    return [{"ID": str(n), "VALUE_TYPE": str(i.get("VALUE_TYPE", "WORK")), "VALUE": str(i["VALUE"]),
             "TYPE_ID": type_id} for n, i in enumerate(items, 1)]


def create_entity(state: SandboxState, kind: str, fields: dict[str, Any]) -> int:
    entity_id, now = state.next_id(), iso(time.time())
    entity = {"ID": str(entity_id), "DATE_CREATE": now, "DATE_MODIFY": now}
    entity |= {name: None for name in STANDARD_FIELDS[kind]}
    _apply(state, kind, entity, fields)
    _table(state, kind)[entity_id] = entity
    return entity_id


def _apply(state: SandboxState, kind: str, entity: dict[str, Any], fields: dict[str, Any]) -> list[str]:
    """Store known fields; return the names that were ignored."""
    user_fields = {f["FIELD_NAME"] for f in state.userfields[ENTITY_IDS[kind]].values()}
    ignored = []
    for name, value in fields.items():
        name = str(name).upper()
        if name in ("PHONE", "EMAIL") and value:
            entity[name] = _multifield(value, name)
        elif name in STANDARD_FIELDS[kind] or name in user_fields:
            entity[name] = bitrix_value(value)
        else:
            ignored.append(name)
    return ignored


def entity_view(state: SandboxState, kind: str, entity_id: int) -> dict[str, Any]:
    entity = _table(state, kind).get(entity_id)
    if entity is None:
        raise not_found()
    user_fields = {f["FIELD_NAME"]: None for f in state.userfields[ENTITY_IDS[kind]].values()}
    return user_fields | entity


def entity_get(kind: str, state: SandboxState, params: dict[str, Any]) -> dict[str, Any]:
    return {"result": entity_view(state, kind, as_int(params.get("id")))}


def entity_update(kind: str, state: SandboxState, params: dict[str, Any]) -> dict[str, Any]:
    entity_id = as_int(params.get("id"))
    fields = params.get("fields") or {}
    entity = _table(state, kind).get(entity_id)
    if entity is None:
        raise not_found()
    if not isinstance(fields, dict):
        raise RestError(400, "", "Parameter 'fields' must be array.")
    ignored = _apply(state, kind, entity, fields)
    entity["DATE_MODIFY"] = iso(time.time())
    state.updates.append({"method": f"crm.{kind}.update", "id": entity_id, "fields": fields,
                          "ignored": ignored, "at": time.time()})
    return {"result": True}


def normalise_field_name(raw: str) -> str:
    """§4.1: the UF_CRM_ prefix is always added; a bare UF_ becomes UF_CRM_."""
    name = str(raw).upper()
    if not name.startswith("UF_CRM_"):
        name = "UF_CRM_" + (name[3:] if name.startswith("UF_") else name)
    if not FIELD_NAME_CHARS.match(name) or len(name) > MAX_FIELD_NAME:
        raise RestError(400, "ERROR_CORE", f"Invalid field name: {name}")
    return name


def userfield_add(kind: str, state: SandboxState, params: dict[str, Any]) -> dict[str, Any]:
    fields = {str(k).upper(): v for k, v in (params.get("fields") or {}).items()}
    if not fields.get("FIELD_NAME") or not fields.get("USER_TYPE_ID"):
        raise RestError(400, "ERROR_CORE", "FIELD_NAME and USER_TYPE_ID are required")
    name = normalise_field_name(fields["FIELD_NAME"])
    table = state.userfields[ENTITY_IDS[kind]]
    if any(f["FIELD_NAME"] == name for f in table.values()):
        raise RestError(400, "ERROR_CORE", f"Field {name} already exists")
    field_id = state.next_id()
    row = {"ID": str(field_id), "ENTITY_ID": ENTITY_IDS[kind], "FIELD_NAME": name,
           "USER_TYPE_ID": str(fields["USER_TYPE_ID"]), "XML_ID": fields.get("XML_ID"),
           "SORT": "100", "MULTIPLE": "N", "MANDATORY": "N", "SHOW_FILTER": "N",
           "SHOW_IN_LIST": "Y", "EDIT_IN_LIST": "Y", "IS_SEARCHABLE": "N", "SETTINGS": {}}
    row |= {k: bitrix_value(v) for k, v in fields.items()
            if k in row and k not in ("ID", "ENTITY_ID", "FIELD_NAME")}
    if row["USER_TYPE_ID"] == "enumeration":
        row["LIST"] = [{"ID": str(state.next_id()), "SORT": str(i.get("SORT", 10 * n)),
                        "VALUE": str(i["VALUE"]), "DEF": str(i.get("DEF", "N")),
                        "XML_ID": str(i.get("XML_ID", ""))}
                       for n, i in enumerate(fields.get("LIST") or [], 1)]
    table[field_id] = row
    return {"result": field_id}


def userfield_list(kind: str, state: SandboxState, params: dict[str, Any]) -> dict[str, Any]:
    rows = [f for f in state.userfields[ENTITY_IDS[kind]].values()
            if query.matches(f, params.get("filter") or {})]
    rows = query.ordered(rows, params.get("order"))
    return {"result": rows, "total": len(rows)}


def userfield_delete(kind: str, state: SandboxState, params: dict[str, Any]) -> dict[str, Any]:
    row = state.userfields[ENTITY_IDS[kind]].pop(as_int(params.get("id")), None)
    if row is None:
        raise RestError(400, "ERROR_NOT_FOUND", "The entity with ID is not found")
    for entity in _table(state, kind).values():
        entity.pop(row["FIELD_NAME"], None)
    return {"result": True}


def delete_field_by_name(state: SandboxState, kind: str, field_name: str) -> int:
    """The control API's way to delete a field (by name, not id); returns the field id."""
    table = state.userfields[ENTITY_IDS[kind]]
    field_id = next((i for i, f in table.items() if f["FIELD_NAME"] == field_name.upper()), None)
    if field_id is None:
        raise not_found()
    userfield_delete(kind, state, {"id": field_id})
    return field_id


def methods() -> dict[str, Any]:
    table: dict[str, Any] = {}
    for kind in ENTITY_IDS:
        table[f"crm.{kind}.get"] = partial(entity_get, kind)
        table[f"crm.{kind}.update"] = partial(entity_update, kind)
        table[f"crm.{kind}.userfield.add"] = partial(userfield_add, kind)
        table[f"crm.{kind}.userfield.list"] = partial(userfield_list, kind)
        table[f"crm.{kind}.userfield.delete"] = partial(userfield_delete, kind)
    return table
