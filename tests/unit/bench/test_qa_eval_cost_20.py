"""bench.qa_eval.cost: counting the encoder's work leaves the vectors as they were."""
import numpy as np

from bench.qa_eval import cost


def test_length_class_counts_words():
    assert cost.length_class("Okay.") == "1w"
    assert cost.length_class("Thanks then.") == "2w"
    assert cost.length_class("I'll pop a refund through today.") == "3+w"


def test_counting_encoder_returns_what_the_encoder_gives(monkeypatch):
    class FakeModel:
        def token_count(self, text, is_query):
            return len(text.split()) + 4

    monkeypatch.setattr(cost.embeddings, "model", lambda: FakeModel())
    vectors = np.arange(6, dtype=np.float32).reshape(2, 3)
    encoder = cost.CountingEncoder(lambda texts: vectors[:len(texts)])
    out = encoder(["the parcel left on Monday", "lovely"])
    assert out is not None and np.array_equal(out, vectors)
    assert encoder.counts["encoder_calls"] == 1 and encoder.counts["texts"] == 2
    assert encoder.counts["tokens"] == (5 + 4) + (1 + 4)
    assert len(encoder([])) == 0 and encoder.counts["encoder_calls"] == 1
