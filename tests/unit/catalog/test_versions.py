"""A scorecard edited without a new version becomes a version of its own; old verdicts keep theirs."""
from __future__ import annotations

from catalog.projects import DEFAULT_PROJECTS_FILE, load_catalog_file
from catalog.versions import scorecard_digest, versioned
from sinks.crm_writeback import version_key


def edited(catalog):
    card = catalog.scorecards["support-en"]
    heavier = tuple(c.model_copy(update={"weight": c.weight + 1}) if c.id == "resolution" else c for c in card.criteria)
    changed = card.model_copy(update={"criteria": heavier})
    catalog.scorecards["support-en"] = changed
    return changed


def test_first_start_records_every_version_unchanged():
    catalog = load_catalog_file(DEFAULT_PROJECTS_FILE)
    resolved, new = versioned(catalog, {})
    assert {c.ref for c in new} == {c.ref for c in catalog.scorecards.values()}
    assert resolved.scorecards["support-en"].ref == catalog.scorecards["support-en"].ref


def test_an_edit_without_a_version_bump_is_a_new_version_and_recorded():
    catalog = load_catalog_file(DEFAULT_PROJECTS_FILE)
    original = catalog.scorecards["support-en"]
    recorded = {c.ref: scorecard_digest(c) for c in catalog.scorecards.values()}
    changed = edited(catalog)
    resolved, new = versioned(catalog, recorded)
    card = resolved.scorecards["support-en"]
    assert card.ref == f"{original.ref}+{scorecard_digest(changed)}"
    assert [c.ref for c in new] == [card.ref]
    assert resolved.scorecard("support-en").criteria == changed.criteria
    # recorded once, the edited version is stable on the next start
    again, newer = versioned(catalog, {**recorded, card.ref: scorecard_digest(card)})
    assert again.scorecards["support-en"].ref == card.ref and newer == []


def test_a_renamed_version_is_just_a_new_ref():
    catalog = load_catalog_file(DEFAULT_PROJECTS_FILE)
    recorded = {c.ref: scorecard_digest(c) for c in catalog.scorecards.values()}
    renamed = str(int(catalog.scorecards["support-en"].version) + 1)  # a version not shipped yet
    catalog.scorecards["support-en"] = catalog.scorecards["support-en"].model_copy(update={"version": renamed})
    resolved, new = versioned(catalog, recorded)
    ref = f"support-en@{renamed}"
    assert resolved.scorecards["support-en"].ref == ref and [c.ref for c in new] == [ref]


def test_version_order_puts_an_edit_between_its_base_and_the_next_version():
    assert version_key("x@1") < version_key("x@1+0a1b2c3d") < version_key("x@2") < version_key("x@10")
