"""Pure list-method semantics: filter operators, order, select, pages."""
from __future__ import annotations

import pytest

from sandbox.query import matches, ordered, page, selected, split_operator

ROW = {"ID": "120", "TYPE_ID": "2", "SUBJECT": "Incoming call",
       "LAST_UPDATED": "2024-05-01T12:00:00+03:00", "ORIGIN_ID": None}


@pytest.mark.parametrize(("key", "expected"), [
    (">=ID", (">=", "ID")), (">ID", (">", "ID")), ("!ID", ("!", "ID")), ("ID", ("=", "ID")),
    ("><ID", ("><", "ID")), ("%SUBJECT", ("%", "SUBJECT"))])
def test_split_operator(key, expected):
    assert split_operator(key) == expected


@pytest.mark.parametrize(("flt", "hit"), [
    ({"TYPE_ID": 2}, True), ({"TYPE_ID": [1, 3]}, False), ({"TYPE_ID": ["2", "4"]}, True),
    ({">ID": 99}, True), ({">ID": 120}, False), ({">=ID": 120}, True), ({"<ID": "1000"}, True),
    ({"!TYPE_ID": 2}, False), ({"%SUBJECT": "incoming"}, True), ({"><ID": [100, 110]}, False),
    # 12:00+03:00 is 09:00 UTC: instants compare, not strings
    ({">LAST_UPDATED": "2024-05-01T09:30:00+00:00"}, False),
    ({">LAST_UPDATED": "2024-05-01T08:30:00+00:00"}, True),
    ({">ORIGIN_ID": "a"}, False), ({"ORIGIN_ID": ""}, True)])
def test_matches(flt, hit):
    assert matches(ROW, flt) is hit


def test_order_is_numeric_and_stable_across_keys():
    rows = [{"ID": "10", "K": "b"}, {"ID": "9", "K": "a"}, {"ID": "100", "K": "a"}]
    assert [r["ID"] for r in ordered(rows, None)] == ["9", "10", "100"]
    assert [r["ID"] for r in ordered(rows, {"K": "ASC", "ID": "DESC"})] == ["100", "9", "10"]


def test_select_star_leaves_out_explicit_only_fields():
    row = {"ID": "1", "FILES": [], "NAME": "x"}
    assert selected(row, ["*"], {"FILES"}) == {"ID": "1", "NAME": "x"}
    assert selected(row, ["*", "FILES"], {"FILES"}) == row
    assert selected(row, ["ID"], {"FILES"}) == {"ID": "1"}


@pytest.mark.parametrize(("start", "ids", "next_", "total"), [
    (0, range(0, 50), 50, 120), (100, range(100, 120), None, 120), ("50", range(50, 100), 100, 120)])
def test_page(start, ids, next_, total):
    body = page([{"ID": i} for i in range(120)], start)
    assert [r["ID"] for r in body["result"]] == list(ids)
    assert body.get("next") == next_ and body["total"] == total
