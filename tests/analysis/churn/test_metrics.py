"""Tests of analysis.churn.metrics: AUC, precision at the top, calibration, permutation importance."""

import numpy as np
import pytest

from analysis.churn import (
    calibration_table,
    evaluate_risk,
)


def test_evaluate_risk_by_hand():
    y = np.array([1, 0, 1, 0, 0, 1, 0, 0, 0, 0])
    risk = np.array([0.9, 0.8, 0.7, 0.1, 0.2, 0.3, 0.4, 0.5, 0.05, 0.0])
    m = evaluate_risk(y, risk, top_share=0.2)
    # Pairs (churner, stayer): 3 x 7 = 21; churner 0.9 beats 7, 0.7 beats 6, 0.3 beats 4.
    assert m["auc"] == pytest.approx(17 / 21)
    assert m["precision_top"] == pytest.approx(0.5)  # top 2: 0.9 (churn), 0.8 (stay)
    assert m["base_rate"] == pytest.approx(0.3)
    assert m["lift"] == pytest.approx(0.5 / 0.3)
    constant = evaluate_risk(y, np.full(10, 0.3))
    assert constant["auc"] == pytest.approx(0.5)
    assert constant["precision_top"] == pytest.approx(0.3)  # ties: expected base rate


def test_calibration_table_by_hand():
    y = np.array([0, 0, 1, 1, 1, 0])
    p = np.array([0.1, 0.2, 0.9, 0.8, 0.6, 0.3])
    t = calibration_table(y, p, bins=2)
    assert list(t["customers"]) == [3, 3]
    assert t["predicted"].tolist() == pytest.approx([0.2, 2.3 / 3])
    assert t["observed"].tolist() == pytest.approx([0.0, 1.0])


def test_permutation_auc_drop_equals_sklearns_permutation_importance():
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.inspection import permutation_importance
    from sklearn.metrics import roc_auc_score
    from threadpoolctl import threadpool_limits

    from analysis.churn.metrics import _auc, permutation_auc_drop

    rng = np.random.default_rng(0)
    X = rng.normal(size=(1200, 6))
    X[:, 3] = np.round(X[:, 3])  # ties
    X[rng.random(X.shape) < 0.05] = np.nan  # missing values
    y = (X[:, 0] + np.nan_to_num(X[:, 3]) + rng.normal(size=1200) > 0).astype(int)
    test_X, test_y = X[800:], y[800:]
    # one OpenMP thread, as churn_model runs it: threads waiting on a busy machine are slow
    with threadpool_limits(limits=1, user_api="openmp"):
        model = HistGradientBoostingClassifier(max_iter=30, random_state=0).fit(X[:800], y[:800])
        ref = permutation_importance(
            model, test_X, test_y, scoring="roc_auc", n_repeats=3, random_state=4
        )
        mean, std = permutation_auc_drop(model, test_X, test_y, n_repeats=3, random_state=4)
    np.testing.assert_allclose(mean, ref.importances_mean, atol=1e-12)
    np.testing.assert_allclose(std, ref.importances_std, atol=1e-12)
    assert mean[0] > 0.05 and abs(mean[5]) < 0.02  # informative vs noise column
    score = np.round(model.decision_function(test_X), 1)  # with ties
    assert _auc(test_y, score) == pytest.approx(roc_auc_score(test_y, score), abs=1e-12)


def test_aucs_of_many_rows_equal_one_row_at_a_time():
    from analysis.churn.metrics import _auc, _aucs

    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 301)
    scores = rng.integers(0, 40, (7, 301)).astype(np.float64) / 7  # many ties
    expected = [_auc(y, row) for row in scores]
    assert _aucs(y, scores).tolist() == expected  # exactly, not approximately
    assert _aucs(y, y[None, :].astype(np.float64)).tolist() == [1.0]


def test_permuted_decisions_tree_by_tree_equal_decision_function():
    """Only the trees that split on the permuted column predict a copy: the same numbers."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression

    from analysis.churn.metrics import _permuted_decisions, _tree_parts

    rng = np.random.default_rng(5)
    X = rng.normal(size=(400, 6))
    X[rng.random(X.shape) < 0.1] = np.nan  # missing values take their own branch
    y = (np.nan_to_num(X[:, 0]) + rng.normal(size=400) > 0).astype(int)
    cols = np.array([0, 0, 3, 5, 5, 2, 1])
    block = np.tile(X, (len(cols), 1))
    for i, col in enumerate(cols):
        block[i * 400 : (i + 1) * 400, col] = rng.permutation(X[:, col])
    hgb = HistGradientBoostingClassifier(max_iter=40, max_leaf_nodes=4, random_state=0)
    hgb.fit(X, y)
    assert _tree_parts(hgb) is not None  # the tree-by-tree path is the one tested
    expected = hgb.decision_function(block).reshape(len(cols), 400)
    assert np.array_equal(_permuted_decisions(hgb, X, block, cols), expected)  # exactly
    logistic = LogisticRegression().fit(np.nan_to_num(X), y)
    assert _tree_parts(logistic) is None
    plain = np.nan_to_num(block)
    assert np.array_equal(
        _permuted_decisions(logistic, np.nan_to_num(X), plain, cols),
        logistic.decision_function(plain).reshape(len(cols), 400),
    )


def test_roc_auc_is_sklearns_roc_auc_score_exactly():
    from sklearn.metrics import roc_auc_score

    from analysis.churn.metrics import _roc_auc

    rng = np.random.default_rng(11)
    for n in (7, 300, 1500):
        y = rng.integers(0, 2, n)
        y[:2] = [0, 1]
        for score in (rng.random(n), np.round(rng.random(n), 1), np.zeros(n)):
            assert _roc_auc(y, score) == roc_auc_score(y, score)
