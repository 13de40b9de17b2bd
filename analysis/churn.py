"""Churn risk: who is about to stop buying, with an honest check against what really happened.

A customer **churns** over a horizon (default 90 days) when they make no purchase order (an
order whose net value is not negative, see :mod:`analysis.orders`) in the ``horizon_days``
days that start at a cutoff date. The model learns from the past:

1. **Train.** At the cutoff ``as_of - horizon_days`` every customer with a purchase before it
   gets features computed from the history before the cutoff only, and a label: did they buy in
   the ``horizon_days`` that followed (the last ``horizon_days`` of the data)?
2. **Evaluate.** A random 30% of those customers is held back; the model is fitted on the rest
   and scored on them against what they really did (ROC AUC, precision among the riskiest 10%,
   a calibration table). The BG/NBD model fitted on the history before the cutoff is scored the
   same way, as a baseline that needs no training labels.
3. **Score.** The model is refitted on all customers at the cutoff and applied to the features
   at ``as_of`` (the end of the data): every current customer gets a churn risk for the next
   ``horizon_days``. This assumes the next period behaves like the last one.

The model is scikit-learn's ``HistGradientBoostingClassifier`` (handles missing values such as
"no gap yet" natively; fast on two cores). Feature importance is permutation importance on the
held-back customers: how much the AUC drops when one feature's values are shuffled.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import rankdata
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from analysis.clv import (
    BetaGeoModel,
    clv_summary,
    drop_implausible_amounts,
    sharing_purchase_days,
)
from analysis.core.orders import day_numbers, order_table, resolve_as_of, round_money
from analysis.core.text import md_escape

__all__ = [
    "FEATURE_LABELS",
    "ChurnResult",
    "calibration_table",
    "churn_features",
    "churn_labels",
    "churn_model",
    "action_list",
    "drivers_in_words",
    "evaluate_risk",
    "value_and_risk",
    "verdict_in_words",
]

FEATURE_LABELS = {
    "recency_days": "Days since the last purchase",
    "frequency": "Number of purchases",
    "monetary": "Net revenue so far",
    "avg_order_value": "Average purchase value",
    "tenure_days": "Days since the first purchase",
    "gap_mean_days": "Average days between purchases",
    "gap_std_days": "Variability of the days between purchases",
    "overdue_ratio": "Days since the last purchase relative to the usual gap",
    "recent_spend_share": "Share of spend in the most recent period",
    "refund_share": "Share of spend refunded",
}
MIX_TOP = 5  # categories / channels turned into share features
MIN_CUSTOMERS = 40
MIN_PER_CLASS = 10
N_REPEATS = 3  # permutation importance repeats


def _in(values: pd.Index, unique: pd.Index) -> np.ndarray:
    """``values.isin(unique)`` for an index of unique labels, by hashing (pandas' ``isin`` on
    Arrow strings builds a Python object per value: seconds on tens of thousands)."""
    return pd.Index(unique).get_indexer(values) >= 0


def _plain(feature: str) -> str:
    if feature in FEATURE_LABELS:
        return FEATURE_LABELS[feature]
    kind, _, value = feature.partition(": ")
    return f"Share of items bought in {kind} {value}" if value else feature


def churn_features(tx: pd.DataFrame, *, as_of=None, recent_days: int = 90) -> pd.DataFrame:
    """Behaviour features per customer, from the history before ``as_of`` only.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    as_of : date-like or None
        Cutoff, exclusive (default: the day after the last transaction).
    recent_days : int
        Length of the "recent" window for ``recent_spend_share``.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (customers with a purchase order before ``as_of``):
        ``recency_days`` (days from the last purchase day to ``as_of``), ``frequency`` (purchase
        orders), ``monetary`` (net revenue, refunds included), ``avg_order_value`` (mean net
        value of purchase orders), ``tenure_days`` (days from the first purchase to ``as_of``),
        ``gap_mean_days`` and ``gap_std_days`` (mean and standard deviation of the days between
        distinct purchase days; NaN with fewer than two, resp. three, purchase days),
        ``overdue_ratio`` (``recency_days / gap_mean_days``), ``recent_spend_share`` (share of
        purchase value in the last ``recent_days`` days), ``refund_share`` (refund lines over
        positive lines, by amount), and where the data has them, ``category: X`` and
        ``channel: X`` shares of a customer's bought lines (amount >= 0) for the five most
        common values.
    """
    ot = order_table(tx, as_of)
    cutoff = int(day_numbers(pd.Series([ot.as_of]))[0])
    n_all = ot.n_customers
    purchase = ot.is_purchase
    cust, day, net = ot.customer[purchase], ot.day[purchase], ot.net[purchase]
    # Sorted by value too, so sums below add the same numbers in the same order whatever the
    # order of the rows (float addition is not associative).
    order = np.lexsort((net, day, cust))
    cust, day, net = cust[order], day[order], net[order]
    n_orders = np.bincount(cust, minlength=n_all)
    has = n_orders > 0
    first = np.full(n_all, np.iinfo(np.int64).max)
    np.minimum.at(first, cust, day)
    last = np.full(n_all, np.iinfo(np.int64).min)
    np.maximum.at(last, cust, day)
    purchase_value = round_money(np.bincount(cust, weights=net, minlength=n_all))
    # Gaps between distinct purchase days of the same customer.
    same = cust[1:] == cust[:-1]
    gaps = np.diff(day).astype(np.float64)
    gap_ok = same & (gaps > 0)
    gap_cust = cust[1:][gap_ok]
    gap_val = gaps[gap_ok]
    n_gaps = np.bincount(gap_cust, minlength=n_all).astype(np.float64)
    gap_sum = np.bincount(gap_cust, weights=gap_val, minlength=n_all)
    gap_sq = np.bincount(gap_cust, weights=gap_val**2, minlength=n_all)
    with np.errstate(invalid="ignore", divide="ignore"):
        gap_mean = np.where(n_gaps > 0, gap_sum / n_gaps, np.nan)
        gap_var = np.where(n_gaps > 1, np.maximum(gap_sq / n_gaps - gap_mean**2, 0.0), np.nan)
    recent = day >= cutoff - recent_days
    recent_value = round_money(np.bincount(cust[recent], weights=net[recent], minlength=n_all))
    amount = ot.line_amount
    positive = round_money(
        np.bincount(ot.line_customer, weights=np.maximum(amount, 0.0), minlength=n_all)
    )
    negative = round_money(
        np.bincount(ot.line_customer, weights=np.maximum(-amount, 0.0), minlength=n_all)
    )
    recency = (cutoff - last).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        columns = {
            "recency_days": recency,
            "frequency": n_orders.astype(np.float64),
            "monetary": ot.customer_net(),
            "avg_order_value": purchase_value / np.maximum(n_orders, 1),
            "tenure_days": (cutoff - first).astype(np.float64),
            "gap_mean_days": gap_mean,
            "gap_std_days": np.sqrt(gap_var),
            "overdue_ratio": recency / gap_mean,
            "recent_spend_share": np.where(
                purchase_value > 0,
                recent_value / np.where(purchase_value > 0, purchase_value, 1),
                np.nan,
            ),
            "refund_share": np.where(
                positive > 0, negative / np.where(positive > 0, positive, 1), np.nan
            ),
        }
    for column in ("category", "channel"):
        if column in tx.columns:
            columns.update(_mix_shares(tx, ot, column, n_all))
    frame = pd.DataFrame(columns, index=ot.customers)
    return frame[has]


def _mix_shares(tx: pd.DataFrame, ot, column: str, n_all: int) -> dict[str, np.ndarray]:
    """Share of each customer's bought lines (amount >= 0) in the top values of ``column``."""
    values = tx[column].to_numpy()[ot.line_index] if len(ot.line_index) else np.array([])
    codes, uniques = pd.factorize(values)
    if len(uniques) < 2:
        return {}
    valid = (codes >= 0) & (ot.line_amount >= 0)  # items bought, not refund lines
    counts = np.bincount(codes[valid], minlength=len(uniques))
    # Most common first, ties by name: the same columns whatever the order of the rows.
    top = np.lexsort((np.asarray(uniques, dtype=str), -counts))[:MIX_TOP]
    total = np.bincount(ot.line_customer[valid], minlength=n_all).astype(np.float64)
    out = {}
    for code in top:
        mask = valid & (codes == code)
        share = np.bincount(ot.line_customer[mask], minlength=n_all) / np.maximum(total, 1)
        out[f"{column}: {uniques[code]}"] = np.where(total > 0, share, np.nan)
    return out


def churn_labels(
    tx: pd.DataFrame, customers: pd.Index, *, start, horizon_days: int = 90
) -> pd.Series:
    """1 when a customer made no purchase order in ``[start, start + horizon_days)``, else 0.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    customers : Index
        Customers to label.
    start : date-like
        First day of the outcome window (a time part is dropped).
    horizon_days : int
        Length of the window in days.

    Returns
    -------
    Series
        int64 ``churned`` indexed by ``customers``.
    """
    start_ts = pd.Timestamp(start).normalize()
    end_ts = start_ts + pd.Timedelta(days=horizon_days)
    ot = order_table(tx, end_ts)
    first_day = int(day_numbers(pd.Series([start_ts]))[0])
    bought = (ot.day >= first_day) & ot.is_purchase
    buyers = ot.customers[np.unique(ot.customer[bought])]
    churned = (~_in(customers, buyers)).astype(np.int64)
    return pd.Series(churned, index=customers, name="churned")


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
    auc = float(roc_auc_score(y, risk)) if 0 < y.sum() < n else float("nan")
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


@dataclass
class ChurnResult:
    """Churn model, its honest evaluation and the current customers' risk.

    Attributes
    ----------
    scores : DataFrame
        Per current customer (purchase before ``as_of``), highest risk first: ``churn_risk``
        (probability of no purchase in the next ``horizon_days``), ``p_alive`` and
        ``bgnbd_no_purchase`` from BG/NBD fitted on the whole history, and the features.
    evaluation : DataFrame
        One row per model ("Churn model", "BG/NBD: P(no purchase)", "BG/NBD: 1 - P(alive)",
        "Constant (base rate)") with ``auc``, ``precision_top``, ``base_rate``, ``lift``,
        ``customers`` on the held-back customers.
    calibration : DataFrame
        :func:`calibration_table` of both probability models, with a ``model`` column.
    importance : DataFrame
        ``feature``, ``label`` (plain words), ``importance`` (mean AUC drop), ``std``,
        ``direction`` (+1: higher values mean more risk, -1: less), sorted.
    drivers : list of str
        The top drivers in words.
    verdict : list of str
        Plain-language comparison of the churn model with the BG/NBD baseline.
    cutoff, as_of : Timestamp
    horizon_days : int
    n_train, n_test : int
    """

    scores: pd.DataFrame
    evaluation: pd.DataFrame
    calibration: pd.DataFrame
    importance: pd.DataFrame
    drivers: list[str]
    verdict: list[str]
    cutoff: pd.Timestamp
    as_of: pd.Timestamp
    horizon_days: int
    n_train: int
    n_test: int
    settings: dict = field(default_factory=dict)


def _classifier(random_state: int) -> HistGradientBoostingClassifier:
    return HistGradientBoostingClassifier(
        learning_rate=0.06,
        max_iter=250,
        max_leaf_nodes=15,
        min_samples_leaf=20,
        l2_regularization=1.0,
        early_stopping=True,
        validation_fraction=0.15,
        n_iter_no_change=15,
        random_state=random_state,
    )


def churn_model(
    tx: pd.DataFrame,
    *,
    horizon_days: int = 90,
    as_of=None,
    test_share: float = 0.3,
    random_state: int = 0,
) -> ChurnResult:
    """Train, evaluate and apply the churn-risk model (see the module docstring).

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    horizon_days : int
        Churn = no purchase order in this many days.
    as_of : date-like or None
        End of the data, exclusive (default: the day after the last transaction).
    test_share : float
        Share of customers held back for the evaluation.
    random_state : int
        Seed of the split and the model.

    Returns
    -------
    ChurnResult

    Raises
    ------
    ValueError
        In plain words, when the history is too short or has too few customers who stayed or
        left to learn from.
    """
    if horizon_days < 1:
        raise ValueError("The churn horizon must be at least one day.")
    tx, amount_note = drop_implausible_amounts(tx)
    if amount_note and len(tx) == 0:
        raise ValueError(amount_note.replace("were left out of the value models", "leave nothing"))
    end = resolve_as_of(tx, as_of)
    cutoff = end - pd.Timedelta(days=horizon_days)
    first = pd.Timestamp(tx["order_date"].min()).normalize()
    if cutoff - first < pd.Timedelta(days=horizon_days):
        raise ValueError(
            f"The data covers {(end - first).days} days, but learning who leaves within "
            f"{horizon_days} days needs at least {2 * horizon_days}: one period of history and "
            "one period to see what happened next. Try a shorter churn horizon."
        )
    with sharing_purchase_days(tx, end):  # both summaries from one pass over the rows
        summary_cut = clv_summary(tx, as_of=cutoff, time_unit="D")
        summary_now = clv_summary(tx, as_of=end, time_unit="D")
    X = churn_features(tx, as_of=cutoff, recent_days=horizon_days)
    X = X[_in(X.index, summary_cut.index)]
    y = churn_labels(tx, X.index, start=cutoff, horizon_days=horizon_days).to_numpy()
    n_churn = int(y.sum())
    if len(y) < MIN_CUSTOMERS or min(n_churn, len(y) - n_churn) < MIN_PER_CLASS:
        raise ValueError(
            f"At {cutoff:%d %b %Y} there are {len(y)} customers, of whom {n_churn} did not buy "
            f"again within {horizon_days} days and {len(y) - n_churn} did: too few of each to "
            f"learn from (at least {MIN_CUSTOMERS} customers and {MIN_PER_CLASS} of each kind)."
        )
    idx_train, idx_test = train_test_split(
        np.arange(len(y)), test_size=test_share, stratify=y, random_state=random_state
    )
    # Plain arrays (no per-call DataFrame checks) and one OpenMP thread: on small data the
    # thread hand-offs cost more than they save, many times over on a busy two-core machine.
    values = X.to_numpy(dtype=np.float64)
    with threadpool_limits(limits=1, user_api="openmp"):
        model = _classifier(random_state).fit(values[idx_train], y[idx_train])
        X_test, y_test = X.iloc[idx_test], y[idx_test]
        risk_test = model.predict_proba(values[idx_test])[:, 1]
        importance = _importance(model, X_test, y_test, risk_test, random_state)
        final = _classifier(random_state).fit(values, y)

    bg_cut = BetaGeoModel().fit(summary_cut)
    sub = summary_cut.loc[X_test.index]
    bg_none = bg_cut.probability_no_purchase(horizon_days, sub).to_numpy()
    bg_dead = 1.0 - bg_cut.probability_alive(sub).to_numpy()

    rows = {
        "Churn model": evaluate_risk(y_test, risk_test),
        "BG/NBD: P(no purchase)": evaluate_risk(y_test, bg_none),
        "BG/NBD: 1 - P(alive)": evaluate_risk(y_test, bg_dead),
        "Constant (base rate)": evaluate_risk(y_test, np.full(len(y_test), y[idx_train].mean())),
    }
    evaluation = pd.DataFrame.from_dict(rows, orient="index").rename_axis("model").reset_index()
    calibration = pd.concat(
        [
            calibration_table(y_test, risk_test).assign(model="Churn model"),
            calibration_table(y_test, bg_none).assign(model="BG/NBD: P(no purchase)"),
        ],
        ignore_index=True,
    )

    # The model refitted on every customer at the cutoff scores the current customers.
    X_now = churn_features(tx, as_of=end, recent_days=horizon_days)
    X_now = X_now[_in(X_now.index, summary_now.index)]
    bg_now = BetaGeoModel().fit(summary_now)
    now = summary_now.loc[X_now.index]
    scores = pd.DataFrame(
        {
            "churn_risk": final.predict_proba(X_now.to_numpy(dtype=np.float64))[:, 1],
            "p_alive": bg_now.probability_alive(now).to_numpy(),
            "bgnbd_no_purchase": bg_now.probability_no_purchase(horizon_days, now).to_numpy(),
        },
        index=X_now.index,
    ).join(X_now)
    scores = scores.sort_values("churn_risk", ascending=False, kind="stable")
    return ChurnResult(
        scores=scores,
        evaluation=evaluation,
        calibration=calibration,
        importance=importance,
        drivers=drivers_in_words(importance),
        verdict=verdict_in_words(evaluation, horizon_days) + ([amount_note] if amount_note else []),
        cutoff=cutoff,
        as_of=end,
        horizon_days=horizon_days,
        n_train=len(idx_train),
        n_test=len(idx_test),
        settings={"horizon_days": horizon_days, "test_share": test_share},
    )


def _auc(y: np.ndarray, score: np.ndarray) -> float:
    """ROC AUC by the Mann-Whitney rank sum (ties count one half): the value of
    ``roc_auc_score`` (to float rounding) without its per-call input checks, which cost more
    than the sum itself on a few thousand customers. Needs both classes in ``y``."""
    ranks = rankdata(score)
    n_pos = int(y.sum())
    n_neg = len(y) - n_pos
    return float((ranks[y == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def permutation_auc_drop(
    model, X: np.ndarray, y: np.ndarray, *, n_repeats: int, random_state: int
) -> tuple[np.ndarray, np.ndarray]:
    """Permutation importance by ROC AUC: mean and standard deviation of the AUC drop per column.

    The same shuffles and scores as ``sklearn.inspection.permutation_importance(model, X, y,
    scoring="roc_auc", n_repeats=n_repeats, random_state=random_state)`` (its seeding, its
    cumulative in-place shuffles, the model's ``decision_function``), but the permuted copies
    are scored in a few large ``decision_function`` calls and the AUC by ranks: several times
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
        decision = model.decision_function(block)
        for i, (col, rep) in enumerate(chunk):
            scores[col, rep] = _auc(y, decision[i * n : (i + 1) * n])
    drops = baseline - scores
    return drops.mean(axis=1), drops.std(axis=1)


def _importance(model, X_test, y_test, risk_test, random_state: int) -> pd.DataFrame:
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
            "label": [_plain(c) for c in X_test.columns],
            "importance": mean,
            "std": std,
            "direction": direction,
        }
    )
    return table.sort_values("importance", ascending=False, kind="stable", ignore_index=True)


def drivers_in_words(importance: pd.DataFrame, *, top: int = 3) -> list[str]:
    """The strongest drivers of churn risk as sentences (permutation importance > 0.005 AUC)."""
    out = []
    for row in importance.head(top).itertuples():
        if row.importance <= 0.005:
            break
        how = {
            1: "the higher it is, the more likely the customer is to stop buying",
            -1: "the higher it is, the less likely the customer is to stop buying",
            0: "its effect is not a simple more-or-less",
        }[row.direction]
        out.append(
            f"**{md_escape(row.label)}**: {how}. Without it, the model would rank a leaver above "
            f"a stayer {row.importance * 100:.1f} percentage points less often (AUC drop)."
        )
    if not out:
        out.append("No single piece of behaviour stands out: the model's signals are weak.")
    return out


def verdict_in_words(evaluation: pd.DataFrame, horizon_days: int) -> list[str]:
    """Which model predicts churn better on the held-back customers, in plain words."""
    by = evaluation.set_index("model")
    ours, bg = by.loc["Churn model"], by.loc["BG/NBD: P(no purchase)"]
    lines = [
        f"{ours['base_rate']:.0%} of the held-back customers did not buy within {horizon_days} "
        "days: that is what guessing would get right among any group you pick.",
        f"Among the 10% the churn model flagged as riskiest, {ours['precision_top']:.0%} really "
        f"did not buy again (the purchase-rhythm model, BG/NBD: {bg['precision_top']:.0%}).",
        f"Given one customer who left and one who stayed, the churn model ranks the leaver as "
        f"riskier {ours['auc']:.0%} of the time (AUC; 50% is a coin toss), BG/NBD "
        f"{bg['auc']:.0%}.",
    ]
    diff = ours["auc"] - bg["auc"]
    if diff > 0.01:
        lines.append("On this data the churn model predicts better than the BG/NBD model.")
    elif diff < -0.01:
        lines.append("On this data the simpler BG/NBD model predicts better: prefer its P(alive).")
    else:
        lines.append("On this data both models predict about equally well.")
    return lines


QUADRANTS = {
    (True, True): "Valuable, at risk",
    (True, False): "Valuable, likely to stay",
    (False, True): "Less valuable, at risk",
    (False, False): "Less valuable, likely to stay",
}


def value_and_risk(
    value: pd.DataFrame,
    scores: pd.DataFrame,
    *,
    value_quantile: float = 0.75,
    risk_threshold: float = 0.5,
) -> pd.DataFrame:
    """Customer value against churn risk, with the four quadrants.

    Parameters
    ----------
    value : DataFrame
        Per customer with a ``clv`` column (``ValueReport.customers`` of :mod:`analysis.clv`).
    scores : DataFrame
        ``ChurnResult.scores`` (``churn_risk``, ``p_alive``, features).
    value_quantile : float
        A customer is "valuable" when their ``clv`` is at or above this quantile of all
        customers' values (0.75: the top quarter).
    risk_threshold : float
        A customer is "at risk" when ``churn_risk`` is at least this (0.5: more likely than not
        to make no purchase within the churn horizon).

    Returns
    -------
    DataFrame
        Customers in both inputs, indexed by ``customer_id``: ``clv``, ``churn_risk``,
        ``p_alive``, ``recency_days``, ``frequency``, ``monetary``, ``quadrant`` (str) and
        ``valuable_at_risk`` (bool), highest value first. ``attrs`` holds the two thresholds.
    """
    wanted = ["churn_risk", "p_alive", "recency_days", "frequency", "monetary"]
    table = value[["clv"]].join(scores[[c for c in wanted if c in scores]], how="inner")
    value_cut = float(table["clv"].quantile(value_quantile)) if len(table) else float("nan")
    valuable = (table["clv"] >= value_cut).to_numpy()
    at_risk = (table["churn_risk"] >= risk_threshold).to_numpy()
    labels = np.where(
        valuable,
        np.where(at_risk, QUADRANTS[True, True], QUADRANTS[True, False]),
        np.where(at_risk, QUADRANTS[False, True], QUADRANTS[False, False]),
    )
    table = table.assign(quadrant=pd.Series(labels, index=table.index, dtype="str"))
    table = table.assign(valuable_at_risk=valuable & at_risk)
    table = table.sort_values("clv", ascending=False, kind="stable")
    table.attrs = {"value_threshold": value_cut, "risk_threshold": risk_threshold}
    return table


def action_list(table: pd.DataFrame, *, horizon_days: int = 90) -> pd.DataFrame:
    """The "valuable and at risk" customers as a plain table to act on (for downloads).

    Parameters
    ----------
    table : DataFrame
        :func:`value_and_risk` output.
    horizon_days : int
        The churn horizon, named in the column header.

    Returns
    -------
    DataFrame
        Highest value first, with readable column names: customer, expected value, risk of no
        purchase, days since the last purchase, purchases so far, net revenue so far.
    """
    picked = table[table["valuable_at_risk"]]
    return pd.DataFrame(
        {
            "Customer": picked.index.to_numpy(),
            "Expected value (discounted)": picked["clv"].round(2).to_numpy(),
            f"Risk of no purchase in {horizon_days} days": picked["churn_risk"].round(3).to_numpy(),
            "Days since last purchase": picked["recency_days"].to_numpy(),
            "Purchases so far": picked["frequency"].to_numpy(),
            "Net revenue so far": picked["monetary"].round(2).to_numpy(),
        }
    )
