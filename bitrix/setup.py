"""Post-install setup, run after every verified install or update (idempotent): bind the events
and the CRM detail tabs the product needs, and create its user fields (docs/bitrix24-api.md §1.7,
§4.1, §5.1). Bitrix24 drops an app's bindings on update, so this runs again each time; a binding
that already exists answers with an error that means success."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from bitrix.errors import BitrixError
from bitrix.fields import ensure_fields

log = logging.getLogger(__name__)

EVENTS = ("ONCRMACTIVITYADD", "ONCRMACTIVITYUPDATE", "ONAPPUNINSTALL")
PLACEMENTS = ("CRM_CONTACT_DETAIL_TAB", "CRM_DEAL_DETAIL_TAB")
TAB_TITLES = {"en": "Call analytics", "ru": "Аналитика звонков"}
EVENTS_PATH = "/b24/events"
PLACEMENT_PATH = "/app/placement"
# "Handler already exists!" (documented), and what portals answer in the field for placements
# and for event.bind under ERROR_CORE.
ALREADY_BOUND_CODES = {"ERROR_HANDLER_ALREADY_EXIST", "ERROR_PLACEMENT_HANDLER_ALREADY_BINDED",
                       "ERROR_PLACEMENT_HANDLER_ALREADY_EXIST"}
ALREADY_BOUND_TEXT = ("already exist", "already binded", "already bound")


class SetupFailed(Exception):
    """A binding the product needs was refused; the message lists which and why."""


@dataclass
class SetupReport:
    bound: list[str] = field(default_factory=list)
    already_bound: list[str] = field(default_factory=list)
    fields_created: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[str]]:
        return {"bound": self.bound, "already_bound": self.already_bound,
                "fields_created": self.fields_created}


def is_already_bound(error: BitrixError) -> bool:
    text = error.description.lower()
    return error.code.upper() in ALREADY_BOUND_CODES or any(t in text for t in ALREADY_BOUND_TEXT)


def binding_commands(public_url: str) -> dict[str, tuple[str, dict[str, Any]]]:
    """One batch (one request of the portal's 2/s) for every binding."""
    base = public_url.rstrip("/")
    cmds: dict[str, tuple[str, dict[str, Any]]] = {
        f"event:{name}": ("event.bind", {"event": name, "handler": base + EVENTS_PATH}) for name in EVENTS}
    for placement in PLACEMENTS:
        cmds[f"placement:{placement}"] = ("placement.bind", {
            "PLACEMENT": placement, "HANDLER": base + PLACEMENT_PATH, "TITLE": TAB_TITLES["en"],
            "LANG_ALL": {lang: {"TITLE": title} for lang, title in TAB_TITLES.items()}})
    return cmds


def sort_outcomes(names: list[str], errors: dict[str, BitrixError], report: SetupReport) -> list[str]:
    """Fill the report; return the failures that are not "already bound"."""
    failures = []
    for name in names:
        error = errors.get(name)
        if error is None:
            report.bound.append(name)
        elif is_already_bound(error):
            report.already_bound.append(name)
        else:
            failures.append(f"{name}: {error.code or 'error'} {error.description}".strip())
    return failures


async def setup_portal(rest: Any, member_id: str, public_url: str,
                       wanted_fields: dict[str, dict[str, str]]) -> SetupReport:
    report = SetupReport()
    cmds = binding_commands(public_url)
    _, errors = await rest.batch(member_id, cmds)
    failures = sort_outcomes(list(cmds), errors, report)
    if failures:
        raise SetupFailed("; ".join(failures))
    report.fields_created = await ensure_fields(rest, member_id, wanted_fields)
    log.info("portal %s set up: %d bound, %d already bound, %d fields created", member_id,
             len(report.bound), len(report.already_bound), len(report.fields_created))
    return report
