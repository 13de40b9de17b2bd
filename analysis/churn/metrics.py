"""How well a churn risk ranks real leavers: AUC, precision at the top, calibration, importance."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import rankdata
from sklearn.metrics import auc as area_under_curve
from sklearn.metrics import roc_curve

from analysis.churn.features import feature_label

__all__ = [
    "N_REPEATS",
    "calibration_table",
    "evaluate_risk",
    "importance_table",
    "permutation_auc_drop",
]

N_REPEATS = 3  # permutation importance repeats


def evaluate_risk(y: np.ndarray, risk: np.ndarray, *, top_share: float = 0.1) -> dict:
    """ROC AUC and precision among the riskiest ``top_share`` of customers.

    Parameters
    ----------
    y : array of 0/1
        1 = churned.
    risk : array
        Higher = more likely to churn.

    Returns
    -------
    dict
        ``auc`` (NaN with one class only), ``precision_top`` (share of real churners among the
        ``ceil(top_share * n)`` riskiest, ties broken at random in expectation), ``base_rate`` (share of churners), ``lift``
        (precision over base rate), ``customers``.
    """
    y = np.asarray(y, dtype=np.int64)
    risk = np.asarray(risk, dtype=np.float64)
    n = len(y)
    base = float(y.mean()) if n else float("nan")
    auc = _roc_auc(y, risk) if 0 < y.sum() < n else float("nan")
    k = max(1, int(np.ceil(top_share * n))) if n else 0
    if k:
        # Ties at the threshold share the remaining places: the expected precision when ties
        # are broken at random (so a constant predictor scores exactly the base rate).
        threshold = np.sort(risk)[::-1][k - 1]
        above = risk > threshold
        tied = risk == threshold
        precision = float((y[above].sum() + (k - above.sum()) * y[tied].mean()) / k)
    else:
        precision = float("nan")
    return {
        "auc": auc,
        "precision_top": precision,
        "base_rate": base,
        "lift": precision / base if base > 0 else float("nan"),
        "customers": n,
    }


def _roc_auc(y: np.ndarray, score: np.ndarray) -> float:
    """Return ``roc_auc_score(y, score)`` for 0/1 labels with both classes present.

    Its own computation for two classes (the area under ``roc_curve`` by ``auc``), without its
    checks and relabelling of the classes, which cost more than the area itself.
    """
    fpr, tpr, _ = roc_curve(y, score)
    return float(area_under_curve(fpr, tpr))


def calibration_table(y: np.ndarray, probability: np.ndarray, *, bins: int = 10) -> pd.DataFrame:
    """Predicted against observed churn in groups of customers with similar predictions.

    Customers are cut into ``bins`` groups of (nearly) equal size by predicted probability.

    Returns
    -------
    DataFrame
        ``group`` (1 = lowest predicted), ``customers``, ``predicted`` (mean predicted
        probability), ``observed`` (share that really churned).
    """
    y = np.asarray(y, dtype=np.float64)
    p = np.asarray(probability, dtype=np.float64)
    n = len(y)
    if n == 0:
        return pd.DataFrame(columns=["group", "customers", "predicted", "observed"])
    bins = max(1, min(bins, n))
    order = np.argsort(p, kind="stable")
    group = np.empty(n, dtype=np.int64)
    group[order] = np.arange(n) * bins // n
    count = np.bincount(group, minlength=bins)
    return pd.DataFrame(
        {
            "group": np.arange(1, bins + 1),
            "customers": count,
            "predicted": np.bincount(group, weights=p, minlength=bins) / count,
            "observed": np.bincount(group, weights=y, minlength=bins) / count,
        }
    )


def _auc(y: np.ndarray, score: np.ndarray) -> float:
    """Return the ROC AUC by the Mann-Whitney rank sum (ties count one half).

    The value of ``roc_auc_score`` (to float rounding) without its per-call input checks, which
    cost more than the sum itself on a few thousand customers. Needs both classes in ``y``.
    """
    ranks = rankdata(score)
    n_pos = int(y.sum())
    n_neg = len(y) - n_pos
    return float((ranks[y == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _aucs(y: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Return :func:`_auc` of each row of ``scores`` (2-D), ranked in one call.

    The same numbers as row by row: ranks are halves of whole numbers, so their sums are exact.
    """
    ranks = rankdata(scores, axis=1)
    n_pos = int(y.sum())
    n_neg = len(y) - n_pos
    return (ranks[:, y == 1].sum(axis=1) - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def _tree_parts(model):
    """Return a fitted binary ``HistGradientBoostingClassifier``'s trees, or None for other models.

    ``(baseline, preprocess, predict, trees)``: the raw baseline, the model's input checks, a
    function ``predict(tree, X)`` of one tree's values, and per tree (in the order
    ``decision_function`` adds them) the tree and a mask of the features it splits on.
    """
    try:
        if model.n_trees_per_iteration_ != 1 or model._baseline_prediction.size != 1:
            return None
        bitsets, f_idx_map = model._bin_mapper.make_known_categories_bitsets()
        n_features = model.n_features_in_
        trees = []
        for (tree,) in model._predictors:
            nodes = tree.nodes
            used = np.zeros(n_features, dtype=bool)
            used[nodes["feature_idx"][nodes["is_leaf"] == 0]] = True
            trees.append((tree, used))
        baseline, preprocess = model._baseline_prediction.ravel(), model._preprocess_X
    except (AttributeError, ValueError):  # not (this version's) HistGradientBoostingClassifier
        return None

    def predict(tree, X):
        return tree.predict(X, known_cat_bitsets=bitsets, f_idx_map=f_idx_map, n_threads=1)

    return baseline, preprocess, predict, trees


def _permuted_decisions(model, X: np.ndarray, block: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Return ``model.decision_function`` of each copy of ``X`` in ``block``, one row per copy.

    Copy ``i`` (rows ``i * n`` to ``(i + 1) * n``) differs from ``X`` in column ``cols[i]``
    only, so a tree that never splits on that column gives the copy its values on ``X``: for a
    gradient-boosted model each tree predicts only the copies whose column it splits on. The
    tree values are added in ``decision_function``'s order, so the sums are the same numbers.
    """
    n, m = len(X), len(cols)
    parts = _tree_parts(model)
    if parts is None:
        return model.decision_function(block).reshape(m, n)
    baseline, preprocess, predict, trees = parts
    X, block = preprocess(X, reset=False), preprocess(block, reset=False)
    raw = np.zeros((m, n))
    raw += baseline
    for tree, used in trees:
        hit = used[cols]
        raw[~hit] += predict(tree, X)
        # Runs of consecutive copies the tree must predict, each in one call on a view.
        edges = np.flatnonzero(np.diff(np.concatenate(([False], hit, [False])).astype(np.int8)))
        for start, stop in zip(edges[::2], edges[1::2], strict=True):
            values = predict(tree, block[start * n : stop * n])
            raw[start:stop] += values.reshape(stop - start, n)
    return raw


def permutation_auc_drop(
    model, X: np.ndarray, y: np.ndarray, *, n_repeats: int, random_state: int
) -> tuple[np.ndarray, np.ndarray]:
    """Permutation importance by ROC AUC: mean and standard deviation of the AUC drop per column.

    The same shuffles and scores as ``sklearn.inspection.permutation_importance(model, X, y,
    scoring="roc_auc", n_repeats=n_repeats, random_state=random_state)`` (its seeding, its
    cumulative in-place shuffles, the model's ``decision_function``), but the permuted copies
    are scored in a few large batches (a gradient-boosted model's trees predict only the copies
    whose column they split on, :func:`_permuted_decisions`) and the AUC by ranks: several times
    faster, the same numbers to float rounding.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    n, k = X.shape
    seed = np.random.RandomState(random_state).randint(np.iinfo(np.int32).max + 1)
    baseline = _auc(y, model.decision_function(X))
    # One shuffled column per (feature, repeat), in sklearn's order.
    columns = np.empty((k, n_repeats, n))
    for col in range(k):
        rng = np.random.RandomState(seed)
        values = X[:, col].copy()
        order = np.arange(n)
        for rep in range(n_repeats):
            rng.shuffle(order)
            values = values[order]
            columns[col, rep] = values
    scores = np.empty((k, n_repeats))
    per_call = max(1, 200_000 // max(n, 1))  # copies of X per decision_function call
    jobs = [(col, rep) for col in range(k) for rep in range(n_repeats)]
    for start in range(0, len(jobs), per_call):
        chunk = jobs[start : start + per_call]
        block = np.tile(X, (len(chunk), 1))
        for i, (col, rep) in enumerate(chunk):
            block[i * n : (i + 1) * n, col] = columns[col, rep]
        cols = np.array([col for col, _ in chunk])
        aucs = _aucs(y, _permuted_decisions(model, X, block, cols))
        for i, (col, rep) in enumerate(chunk):
            scores[col, rep] = aucs[i]
    drops = baseline - scores
    return drops.mean(axis=1), drops.std(axis=1)


def importance_table(model, X_test, y_test, risk_test, random_state: int) -> pd.DataFrame:
    """Return the permutation importance of every feature, strongest first.

    Returns
    -------
    DataFrame
        ``feature``, ``label`` (plain words), ``importance`` (mean AUC drop), ``std``,
        ``direction`` (+1: higher values mean more risk, -1: less, 0: neither).
    """
    mean, std = permutation_auc_drop(
        model,
        X_test.to_numpy(dtype=np.float64),
        np.asarray(y_test),
        n_repeats=N_REPEATS,
        random_state=random_state,
    )
    ranks = pd.Series(risk_test, index=X_test.index).rank()
    direction = []
    for column in X_test.columns:
        corr = X_test[column].rank().corr(ranks)
        direction.append(0 if pd.isna(corr) or abs(corr) < 0.05 else int(np.sign(corr)))
    table = pd.DataFrame(
        {
            "feature": list(X_test.columns),
            "label": [feature_label(c) for c in X_test.columns],
            "importance": mean,
            "std": std,
            "direction": direction,
        }
    )
    return table.sort_values("importance", ascending=False, kind="stable", ignore_index=True)
