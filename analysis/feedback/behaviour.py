"""Does it show in behaviour? Purchases after answering, by NPS group, and NPS by RFM segment.

See :func:`feedback_behaviour` for the window, what counts as a repurchase and the tests.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from analysis.core.floats import make_float_safe
from analysis.core.orders import day_numbers, order_table
from analysis.core.stats import Z95, two_proportion_test, wilson_interval
from analysis.feedback._common import CATEGORIES, require_scores, score_array, t_half_width
from analysis.feedback.breakdown import nps_by

__all__ = ["BehaviourResult", "behaviour_from_tables", "feedback_behaviour"]


@dataclass(frozen=True)
class BehaviourResult:
    """Purchases after responding, by NPS group, and NPS by RFM segment.

    Attributes
    ----------
    by_category : DataFrame
        Indexed by category (promoter, passive, detractor): ``n`` (responses with a matched
        customer and a complete window), ``repurchased`` (count), ``repurchase_rate`` (0..1)
        with Wilson ``rate_ci_low``/``rate_ci_high``, ``mean_spend`` (net spend in the
        window, currency of the data) with t interval ``spend_ci_low``/``spend_ci_high`` and
        ``median_spend``.
    comparisons : DataFrame
        One row per pair (``a``, ``b``): ``rate_diff`` (a - b, fraction) with Wald 95%
        interval and two-proportion z test ``rate_p_value`` (pooled), ``spend_diff`` (a - b)
        with Welch interval and ``spend_p_value`` (Welch t test).
    by_segment : DataFrame or None
        :func:`nps_by` over RFM segments (segment at the end of the data), or None.
    n_responses, n_with_id, n_matched, n_unmatched, n_incomplete : int
        Responses in all; with a customer id; whose id is in the transactions; whose id is
        not; matched but undated or too recent for a full window (left out of
        ``by_category``).
    unmatched_examples : list of str
        Up to 10 ids not found in the transactions.
    days : int
        Window length (days after the response day).
    as_of : Timestamp or None
        End of observation used (exclusive).
    message : str
        Why a part could not be computed (empty when all went well).
    """

    by_category: pd.DataFrame
    comparisons: pd.DataFrame
    by_segment: pd.DataFrame | None
    n_responses: int
    n_with_id: int
    n_matched: int
    n_unmatched: int
    n_incomplete: int
    unmatched_examples: list[str]
    days: int
    as_of: pd.Timestamp | None
    message: str = ""


_CATEGORY_COLUMNS = [
    "n",
    "repurchased",
    "repurchase_rate",
    "rate_ci_low",
    "rate_ci_high",
    "mean_spend",
    "spend_ci_low",
    "spend_ci_high",
    "median_spend",
]
_COMPARISON_COLUMNS = [
    "a",
    "b",
    "rate_diff",
    "rate_ci_low",
    "rate_ci_high",
    "rate_p_value",
    "spend_diff",
    "spend_ci_low",
    "spend_ci_high",
    "spend_p_value",
]


def _category_stats(cat: np.ndarray, bought: np.ndarray, spend: np.ndarray) -> pd.DataFrame:
    """Return the repurchase rate and spend of each NPS group with their intervals."""
    rows = []
    for c in range(len(CATEGORIES)):  # three groups
        s = spend[cat == c]
        n = len(s)
        k = int(bought[cat == c].sum())
        low, high = wilson_interval(k, n)
        mean = float(s.mean()) if n else math.nan
        half = t_half_width(s)
        median = float(np.median(s)) if n else math.nan
        rate = k / n if n else math.nan
        rows.append((n, k, rate, float(low), float(high), mean, mean - half, mean + half, median))
    index = pd.Index(list(CATEGORIES), name="category")
    return pd.DataFrame(rows, columns=_CATEGORY_COLUMNS, index=index)


def _rate_difference(ba: np.ndarray, bb: np.ndarray) -> tuple[float, float, float, float]:
    """Return the difference of two repurchase rates, its Wald 95% interval and pooled p."""
    na, nb = len(ba), len(bb)
    pa, pb = ba.mean(), bb.mean()
    diff = pa - pb
    se = math.sqrt(pa * (1 - pa) / na + pb * (1 - pb) / nb)
    _, p = two_proportion_test(ba.sum(), na, bb.sum(), nb)
    return diff, diff - Z95 * se, diff + Z95 * se, float(p)


def _spend_difference(sa: np.ndarray, sb: np.ndarray) -> tuple[float, float, float, float]:
    """Return the difference of two mean spends, its Welch 95% interval and Welch t-test p."""
    na, nb = len(sa), len(sb)
    sdiff = float(sa.mean() - sb.mean())
    if na < 2 or nb < 2:
        return sdiff, math.nan, math.nan, math.nan
    va, vb = sa.var(ddof=1) / na, sb.var(ddof=1) / nb
    se = math.sqrt(va + vb)
    if se == 0:
        return sdiff, sdiff, sdiff, 1.0 if sdiff == 0 else 0.0
    dof = (va + vb) ** 2 / (va**2 / (na - 1) + vb**2 / (nb - 1))
    t_crit = float(stats.t.ppf(0.975, dof))
    p = float(stats.ttest_ind(sa, sb, equal_var=False).pvalue)
    return sdiff, sdiff - t_crit * se, sdiff + t_crit * se, p


def _comparisons(cat: np.ndarray, bought: np.ndarray, spend: np.ndarray) -> pd.DataFrame:
    """Return promoters vs detractors, promoters vs passives and passives vs detractors."""
    rows = []
    for a, b in ((0, 2), (0, 1), (1, 2)):
        names = (CATEGORIES[a], CATEGORIES[b])
        if not (cat == a).any() or not (cat == b).any():
            rows.append(names + (math.nan,) * 8)
            continue
        rate = _rate_difference(bought[cat == a], bought[cat == b])
        spend_diff = _spend_difference(spend[cat == a], spend[cat == b])
        rows.append(names + rate + spend_diff)
    return pd.DataFrame(rows, columns=_COMPARISON_COLUMNS)


def _rfm_segments(tx: pd.DataFrame, as_of) -> tuple[pd.Series | None, str]:
    """Return customer -> RFM segment via ``analysis.rfm.rfm_table``, or None and why not."""
    try:
        # Imported when needed: the behaviour part works (without segments) where RFM is absent.
        from analysis.rfm import rfm_table
    except ImportError:
        return None, "RFM segments are not available in this version."
    try:
        table = rfm_table(tx, as_of=as_of)
    except ValueError as exc:  # the transactions do not allow scores (rfm_table says why)
        return None, f"RFM segments could not be computed: {exc}"
    if "segment" not in table.columns:
        return None, "The RFM table has no segment column."
    if "customer_id" in table.columns:
        ids = table["customer_id"].astype("str")
    else:
        ids = pd.Series(table.index.astype("str"), index=table.index)
    segments = table["segment"].astype("str").to_numpy()
    return pd.Series(segments, index=ids.to_numpy(), dtype="str"), ""


def _segment_nps(responses, tx, as_of_ts, ids, matched) -> tuple[pd.DataFrame | None, str]:
    """Return the NPS of the matched responses by their customer's RFM segment."""
    segments, message = _rfm_segments(tx, as_of_ts)
    if segments is None:
        return None, message
    joined = responses.loc[matched, ["score"]].copy()
    seg = segments.reindex(ids[matched].to_numpy()).fillna("(no purchase)")
    joined["rfm_segment"] = seg.to_numpy()
    return nps_by(joined, "rfm_segment"), message


def _result(n_responses: int, days: int, message: str, **kw) -> BehaviourResult:
    """Return a result without figures by NPS group (``kw`` fills in what is known)."""
    base = {
        "by_category": pd.DataFrame(
            columns=_CATEGORY_COLUMNS, index=pd.Index([], name="category", dtype="str")
        ),
        "comparisons": pd.DataFrame(columns=_COMPARISON_COLUMNS),
        "by_segment": None,
        "n_responses": n_responses,
        **dict.fromkeys(("n_with_id", "n_matched", "n_unmatched", "n_incomplete"), 0),
        "unmatched_examples": [],
        "days": int(days),
        "as_of": None,
    }
    base.update(kw)
    return BehaviourResult(message=message, **base)


def _match(responses: pd.DataFrame, ot) -> tuple[pd.Series, np.ndarray, np.ndarray, dict]:
    """Return the responses' ids, their customer codes in ``ot``, the matched mask and counts."""
    ids = responses["customer_id"].astype("str").str.strip()
    has_id = ids.notna().to_numpy(dtype=bool) & (ids.str.len() > 0).fillna(False).to_numpy(
        dtype=bool
    )
    codes = ot.customers.get_indexer(ids.fillna("").to_numpy(dtype=object))
    matched = has_id & (codes >= 0)
    unmatched = has_id & (codes < 0)
    counts = dict(
        n_with_id=int(has_id.sum()),
        n_matched=int(matched.sum()),
        n_unmatched=int(unmatched.sum()),
        unmatched_examples=[str(x) for x in pd.unique(ids[unmatched].to_numpy(dtype=object))[:10]],
        as_of=ot.as_of,
    )
    return ids, codes, matched, counts


def _response_days(responses: pd.DataFrame, as_of_ts: pd.Timestamp, cutoff: int) -> np.ndarray:
    """Return each response's day number; undated ones get the cut-off (never complete)."""
    if "response_date" in responses.columns:
        dates = pd.to_datetime(responses["response_date"])
    else:
        dates = pd.Series(pd.NaT, index=responses.index, dtype="datetime64[ns]")
    dated = dates.notna().to_numpy(dtype=bool)
    return np.where(dated, day_numbers(dates.fillna(as_of_ts)), cutoff)


def _window_sums(ot, code: np.ndarray, day: np.ndarray, days: int, cutoff: int) -> tuple:
    """Return the purchase orders and net spend of each customer ``code`` after ``day``.

    The window is the ``days`` days after the response day (that day itself excluded).
    Vectorised: orders are sorted by (customer, day) into one int64 key, purchases and net
    values prefix-summed, and each window's bounds found with searchsorted.
    """
    base_day = int(min(ot.day.min() if len(ot.day) else cutoff, day.min()))
    span = int(max(cutoff, day.max() + days) - base_day + 2)
    key = ot.customer * span + (ot.day - base_day)
    order = np.argsort(key, kind="stable")
    key_sorted = key[order]
    cum_buy = np.concatenate([[0], np.cumsum(ot.is_purchase[order].astype(np.int64))])
    cum_net = np.concatenate([[0.0], np.cumsum(ot.net[order])])
    lo = np.searchsorted(key_sorted, code * span + (day - base_day), side="right")
    hi = np.searchsorted(key_sorted, code * span + (day + days - base_day), side="right")
    return cum_buy[hi] - cum_buy[lo], cum_net[hi] - cum_net[lo]


def feedback_behaviour(
    responses: pd.DataFrame, tx: pd.DataFrame, *, days: int = 90, as_of=None
) -> BehaviourResult:
    """Compare what promoters and detractors bought after answering; NPS by RFM segment.

    Each response with a customer id found in the transactions is followed for ``days``
    calendar days **after** its response day (orders on the response day itself are not
    counted, since many surveys follow a purchase that day): it *repurchased* when the
    customer placed at least one purchase order (net value >= 0) in that window, and its
    *spend* is the net value of all the customer's orders in the window (refund orders
    subtract). Responses whose window is not over by ``as_of`` are counted in
    ``n_incomplete`` and left out, so recent answers do not look like lost customers. A
    customer who answered twice counts twice.

    Parameters
    ----------
    responses : DataFrame
        Canonical responses with ``response_date``, ``score`` and ``customer_id``.
    tx : DataFrame
        Canonical transactions.
    days : int
        Window length in days (default 90).
    as_of : date-like or None
        End of observation (exclusive); default the day after the last transaction.

    Returns
    -------
    BehaviourResult
        Ids that are not in the transactions are counted (``n_unmatched``) and listed
        (``unmatched_examples``), not silently dropped. When nothing matches, the frames are
        empty and ``message`` says why.
    """
    if days < 1:
        raise ValueError("days must be at least 1.")
    n = len(responses)
    if "customer_id" not in responses.columns:
        return _result(
            n,
            days,
            "The responses have no customer id, so they cannot be joined to the transactions.",
        )
    if tx is None or len(tx) == 0:
        return _result(n, days, "There are no transactions to join the responses to.")
    require_scores(responses)
    score = score_array(responses)
    ot = order_table(tx, as_of)
    ids, codes, matched, counts = _match(responses, ot)
    if not matched.any():
        message = "None of the customer ids in the responses appear in the transactions."
        return _result(n, days, message, **counts)
    cutoff = int(day_numbers(pd.Series([ot.as_of]))[0])
    m_idx = np.flatnonzero(matched)
    m_day = _response_days(responses, ot.as_of, cutoff)[m_idx]
    purchases, spend = _window_sums(ot, codes[m_idx].astype(np.int64), m_day, days, cutoff)
    complete = (m_day + days < cutoff) & ~np.isnan(score[m_idx])
    s = score[m_idx]
    cat = np.where(s >= 9, 0, np.where(s >= 7, 1, 2))[complete]
    counts["n_incomplete"] = int((~complete).sum())
    by_segment, message = _segment_nps(responses, tx, ot.as_of, ids, matched)
    if not complete.any():
        message = (
            f"Every matched response is less than {days} days before the end of the "
            "data, so no window is complete yet. " + message
        ).strip()
        return _result(n, days, message, by_segment=by_segment, **counts)
    bought, spend_c = (purchases > 0)[complete], spend[complete]
    return BehaviourResult(
        by_category=_category_stats(cat, bought, spend_c),
        comparisons=_comparisons(cat, bought, spend_c),
        by_segment=by_segment,
        n_responses=n,
        days=int(days),
        message=message,
        **counts,
    )


def behaviour_from_tables(
    tx: pd.DataFrame, responses: pd.DataFrame, *, days: int = 90, as_of=None
) -> BehaviourResult:
    """Run :func:`feedback_behaviour` with the tables in ``(tx, responses)`` order.

    This is the order in which ``ui.cache.compute(..., data="both")`` passes them.
    """
    return feedback_behaviour(responses, tx, days=days, as_of=as_of)


# Extreme amounts (1e300) give inf/nan figures, never an error (analysis.core.floats).
make_float_safe(globals(), __all__)
