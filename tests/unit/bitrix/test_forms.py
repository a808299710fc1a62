"""PHP-bracket form keys: nesting and key count are capped (issue 10, finding 5), so a hostile form
is a FormShapeError (400) rather than a RecursionError (500) later on."""
from __future__ import annotations

import pytest

from bitrix.forms import MAX_DEPTH, MAX_KEYS, FormShapeError, flatten, unflatten


def test_bitrix_event_forms_round_trip():
    form = {"event": "ONCRMACTIVITYADD", "data": {"FIELDS": {"ID": "999"}},
            "auth": {"member_id": "m", "application_token": "t"}}
    assert unflatten(flatten(form)) == form


def test_nesting_is_capped():
    assert unflatten([("a" + "[x]" * (MAX_DEPTH - 1), "v")])  # as deep as allowed
    with pytest.raises(FormShapeError, match="deep"):
        unflatten([("event" + "[]" * MAX_DEPTH, "v")])
    with pytest.raises(FormShapeError, match="deep"):
        unflatten([("event" + "[]" * 100_000, "v")])


def test_the_number_of_keys_is_capped():
    assert len(unflatten((f"k{i}", "") for i in range(MAX_KEYS))) == MAX_KEYS
    with pytest.raises(FormShapeError, match="keys"):
        unflatten((f"k{i}", "") for i in range(MAX_KEYS + 1))
