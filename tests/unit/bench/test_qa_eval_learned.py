"""The learned-verdicts benchmark's pure parts: which calls it trains and tests on (never a report
call, never the held-out batch), the features it builds, the model and the hybrid."""
from __future__ import annotations

import numpy as np
import pytest

from bench.qa_eval import learned
from bench.qa_eval.calls import CRITERIA, EvalCall, Turn


def _call(call_id: str, split: str = "calibrate", language: str = "en") -> EvalCall:
    return EvalCall(id=call_id, language=language, stereo=False, project=f"support-{language}", split=split,
                    turns=(Turn("agent", "Hi."), Turn("client", "Hello.")) * 4,
                    labels={c: "met" for c in CRITERIA}, summary_facts=(("x",), ("y",)), planted_pii=())


@pytest.mark.parametrize("call_id, held_out, tested", [
    ("en121_boat_hire", False, False), ("en122_kennels", False, True), ("en149_x", False, True),
    ("en150_anything", True, False), ("en999_later", True, False), ("ru46_a", False, False),
    ("ru47_a", False, True), ("ru74_b", False, True), ("ru75_c", True, False), ("notes", True, False)])
def test_ranges_of_the_test_batch_and_the_held_out_batch(call_id, held_out, tested):
    assert learned.is_held_out(call_id) is held_out
    assert learned.in_test_batch(call_id) is tested


def test_split_never_uses_report_or_held_out_calls():
    calls = [_call("en10_a"), _call("en11_b", split="report"), _call("en130_c"), _call("en131_d", split="report"),
             _call("en160_e", split="calibrate"), _call("ru50_f", language="ru"), _call("ru80_g", language="ru")]
    training, test = learned.split_calls(calls)
    assert [c.id for c in training] == ["en10_a"]
    assert [c.id for c in test] == ["en130_c", "ru50_f"]


def test_loading_never_opens_a_held_out_file(tmp_path, monkeypatch):
    (tmp_path / "en160_unseen.yaml").write_text("this file must not be parsed: [", encoding="utf-8")
    (tmp_path / "ru90_unseen.yaml").write_text("this file must not be parsed: [", encoding="utf-8")
    assert learned.load_usable_calls(tmp_path) == []


def test_the_real_set_splits_into_disjoint_calibrate_halves():
    training, test = learned.split_calls(learned.load_usable_calls())
    assert {c.split for c in training + test} == {"calibrate"}
    assert not {c.id for c in training} & {c.id for c in test}
    assert len(test) == 56 and not any(learned.is_held_out(c.id) for c in training + test)


def test_mono_turns_alternate_from_whoever_answers_and_stereo_keeps_its_channels():
    assert learned.turn_roles(["client", "agent", "agent"], stereo=True, direction="incoming") == ["client", "agent", "agent"]
    assert learned.turn_roles(["x"] * 3, stereo=False, direction="incoming") == ["agent", "client", "agent"]
    assert learned.turn_roles(["x"] * 3, stereo=False, direction="outgoing") == ["client", "agent", "client"]


def test_features_pool_each_speaker_and_the_agents_first_and_last_turns():
    d = learned.DIM
    vectors = np.zeros((4, d), dtype=np.float32)
    vectors[0, 0] = 1.0   # agent, turn 0
    vectors[1, 1] = 1.0   # client, turn 1
    vectors[2, 2] = 1.0   # agent, turn 2
    vectors[3, 2] = -1.0  # agent, turn 2
    features = learned.call_features(vectors, [0, 1, 2, 2], ["agent", "client", "agent"],
                                     stereo=True, outgoing=False, russian=True)
    agent_mean, client_mean, agent_max, first, last = (features[i * d:(i + 1) * d] for i in range(5))
    assert features.shape == (5 * d + 3,)
    assert agent_mean[0] == pytest.approx(1 / 3) and agent_mean[2] == pytest.approx(0.0)
    assert client_mean[1] == 1.0 and client_mean.sum() == 1.0
    assert agent_max[0] == 1.0 and agent_max[2] == 1.0
    assert first[0] == 1.0 and first[2] == 0.0
    assert last[0] == 0.0 and last[2] == pytest.approx(0.0)
    assert list(features[-3:]) == [1.0, 0.0, 1.0]


def test_a_speaker_with_no_sentences_gives_zeros():
    features = learned.call_features(np.ones((2, learned.DIM)), [0, 0], ["client", "client"],
                                     stereo=False, outgoing=True, russian=False)
    assert not features[:learned.DIM].any() and features[learned.DIM:2 * learned.DIM].all()


def test_the_model_learns_a_separable_rule_and_folds_are_stratified():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(60, 5))
    labels = ["met" if v > 0.3 else "not_met" if v < -0.3 else "na" for v in x[:, 0]]
    model = learned.fit(x, labels, l2=0.01, steps=800)
    verdicts, confidence = model.predict(x)
    assert np.mean([a == b for a, b in zip(verdicts, labels)]) > 0.9
    assert ((confidence > 0) & (confidence <= 1)).all()
    folds = learned.stratified_folds(labels, 5)
    assert sorted(np.concatenate(folds).tolist()) == list(range(60))
    for label in set(labels):
        per_fold = [sum(labels[i] == label for i in f) for f in folds]
        assert max(per_fold) - min(per_fold) <= 1


def test_one_class_in_training_predicts_it_surely():
    verdicts, confidence = learned.fit(np.ones((3, 2)), ["na"] * 3, l2=1.0).predict(np.zeros((2, 2)))
    assert verdicts == ["na", "na"] and list(confidence) == [1.0, 1.0]


def test_hybrid_overrides_the_rules_only_when_the_model_is_sure():
    assert learned.hybrid(["met", "met", "na"], ["not_met", "not_met", "met"], [0.95, 0.6, 0.9]) == [
        "not_met", "met", "met"]
