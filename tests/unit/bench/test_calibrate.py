"""bench/qa_eval/calibrate.py on two tiny labelled calls: real redaction, real embeddings."""
from __future__ import annotations

import yaml

from bench.qa_eval.calibrate import (THRESHOLD_BAND, cross_validate, fit, load_calls, prepare, transcript_from,
                                     verdict)
from catalog.projects import DEFAULT_PROJECTS_FILE, load_catalog_file

LABELS = dict.fromkeys(("greeting", "verification", "empathy", "resolution", "no_rude_language",
                        "recording_disclosure", "card_not_read_back", "closing"), "na")


def call(call_id: str, split: str, agent_line: str, resolution: str) -> dict:
    return {"id": call_id, "language": "en", "stereo": True, "project": "support-en", "split": split,
            "turns": [{"speaker": "agent", "text": "Hello, Acme Energy, Sam speaking."},
                      {"speaker": "client", "text": "My boiler stopped working this morning."},
                      {"speaker": "agent", "text": agent_line}],
            "labels": {**LABELS, "resolution": resolution}, "summary_facts": [["boiler"]], "planted_pii": []}


def test_fit_separates_a_commitment_from_a_vague_answer(tmp_path):
    calls = [call("a", "calibrate", "A heating engineer will visit you on Friday morning between eight and noon.", "met"),
             call("b", "calibrate", "Somebody might look at it eventually.", "not_met"),
             call("c", "report", "Never read by fitting.", "met")]
    for c in calls:
        (tmp_path / f"{c['id']}.yaml").write_text(yaml.safe_dump(c, allow_unicode=True), encoding="utf-8")
    loaded = load_calls(tmp_path, "calibrate")
    assert [c["id"] for c in loaded] == ["a", "b"]
    transcript = transcript_from(loaded[0])
    assert [s["speaker"] for s in transcript["segments"]] == ["agent", "client", "agent"]
    assert transcript["segments"][1]["start"] > transcript["segments"][0]["end"]
    mono = transcript_from({**loaded[0], "stereo": False})
    assert {s["speaker"] for s in mono["segments"]} == {"unknown"} and mono["channels"] == 1
    items = prepare(loaded, load_catalog_file(DEFAULT_PROJECTS_FILE))
    threshold = fit(items, "resolution")
    assert THRESHOLD_BAND[0] <= threshold <= THRESHOLD_BAND[1]
    assert [verdict(i, "resolution", threshold) for i in items] == ["met", "not_met"]
    assert "boiler" in items[0]["summary"]


def test_leave_one_out_over_two_sources_fits_on_each_choice_and_judges_each_source(capsys):
    calls = [call("a", "calibrate", "A heating engineer will visit you on Friday morning between eight and noon.", "met"),
             call("b", "calibrate", "Somebody might look at it eventually.", "not_met")]
    catalog = load_catalog_file(DEFAULT_PROJECTS_FILE)
    items = prepare(calls, catalog) + prepare(calls, catalog, transcript_from, "audio")
    assert [i["source"] for i in items] == ["script", "script", "audio", "audio"]
    cross_validate(items, "en")
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("] ")[0].split(", ", 1)[1] for line in lines] == [
        "fitted on audio+script, judged on audio", "fitted on audio+script, judged on script",
        "fitted on audio, judged on audio", "fitted on audio, judged on script",
        "fitted on script, judged on audio", "fitted on script, judged on script"]
    assert all("/16 (" in line and "not_met_recall=" in line and line.endswith("/1") for line in lines)
