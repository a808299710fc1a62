"""A per-criterion logistic regression over sentence embeddings, for criteria where the nearest
example does not separate the classes (opt-in per criterion and language: `classifier: [ru]` in the
scorecard). multilingual-e5-small puts short curt, rude and routine Russian lines within a few
hundredths of cosine of each other; a linear boundary fitted on a few hundred labelled lines
(the criterion's examples plus its `train_positive` / `train_negative` lines, the other criteria's
positives and ordinary call talk as negatives) uses the directions that do separate them.

Fitted with Newton's method from zero weights, a fixed number of steps, in float64: the same lines
give the same weights on every run, so verdicts stay deterministic. Fitting ~400 lines takes a few
milliseconds once per scorecard and process; scoring a call is one matrix-vector product.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# L2 penalty on the weights (not the bias), per line of the smaller class; chosen by 5-fold
# cross-validation on the training lines of support-ru (docs/quality.md).
L2 = 0.001
NEWTON_STEPS = 25


@dataclass(frozen=True)
class Logistic:
    mean: np.ndarray  # centring of the features (e5 vectors share a large common component)
    weights: np.ndarray
    bias: float

    def probability(self, vectors: np.ndarray) -> np.ndarray:
        """P(positive) per row of vectors (float64)."""
        if not len(vectors):
            return np.zeros(0)
        return _sigmoid((np.asarray(vectors, dtype=np.float64) - self.mean) @ self.weights + self.bias)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # overflow-free form of 1 / (1 + exp(-z))


def fit_logistic(positive: np.ndarray, negative: np.ndarray, l2: float = L2, steps: int = NEWTON_STEPS) -> Logistic:
    """Class-balanced, L2-regularised logistic regression: positive rows -> 1, negative rows -> 0."""
    if not len(positive) or not len(negative):
        raise ValueError("a classifier needs positive and negative lines")
    x = np.vstack([positive, negative]).astype(np.float64)
    y = np.concatenate([np.ones(len(positive)), np.zeros(len(negative))])
    # Balanced: each class weighs as much as the other, whatever their sizes.
    weight = np.where(y == 1, len(x) / (2 * len(positive)), len(x) / (2 * len(negative)))
    mean = x.mean(axis=0)
    design = np.hstack([x - mean, np.ones((len(x), 1))])
    penalty = np.full(design.shape[1], l2 * min(len(positive), len(negative)))
    penalty[-1] = 0.0  # the bias is not shrunk
    theta = np.zeros(design.shape[1])
    for _ in range(steps):
        p = _sigmoid(design @ theta)
        gradient = design.T @ (weight * (p - y)) + penalty * theta
        hessian = (design * (weight * p * (1 - p))[:, None]).T @ design + np.diag(penalty) + 1e-9 * np.eye(len(theta))
        theta = theta - np.linalg.solve(hessian, gradient)
    theta.setflags(write=False)
    mean.setflags(write=False)
    return Logistic(mean, theta[:-1], float(theta[-1]))


def cross_validated_accuracy(positive: np.ndarray, negative: np.ndarray, l2: float, folds: int = 5) -> float:
    """Balanced accuracy of fit_logistic over `folds` interleaved folds (to choose L2; deterministic)."""
    hits = [0.0, 0.0]
    for fold in range(folds):
        train_p, test_p = np.delete(positive, np.s_[fold::folds], 0), positive[fold::folds]
        train_n, test_n = np.delete(negative, np.s_[fold::folds], 0), negative[fold::folds]
        model = fit_logistic(train_p, train_n, l2)
        hits[0] += float((model.probability(test_p) >= 0.5).sum())
        hits[1] += float((model.probability(test_n) < 0.5).sum())
    return 0.5 * (hits[0] / len(positive) + hits[1] / len(negative))
