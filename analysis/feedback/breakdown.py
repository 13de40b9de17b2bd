"""NPS by group and over time, each group or period tested against the rest or the one before.

See :mod:`analysis.feedback` for the conventions (groups, intervals, tests).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.core.columns import MISSING_LABEL, RESPONSE_ROLES
from analysis.core.errors import NotEnoughData
from analysis.core.floats import make_float_safe
from analysis.feedback._common import (
    SMALL_GROUP,
    compare_tables,
    group_table,
    require_scores,
    score_array,
)

__all__ = ["attribute_columns", "nps_by", "nps_trend"]


def nps_by(responses: pd.DataFrame, by: str) -> pd.DataFrame:
    """Compute the NPS of each value of an attribute column, each tested against the rest.

    Parameters
    ----------
    responses : DataFrame
        Canonical responses with ``score`` (0-10) and the column ``by``.
    by : str
        Attribute column (plan, region, channel, segment ...). Missing values form a group
        labelled ``"(not given)"``.

    Returns
    -------
    DataFrame
        Indexed by the values of ``by`` and sorted by NPS (highest first), with columns ``n``,
        ``nps``, ``ci_low``, ``ci_high`` (points, adjusted-Wald), counts ``promoters``,
        ``passives``, ``detractors`` and their shares (0..1) ``share_promoters`` ...,
        ``diff_vs_rest`` (group NPS minus the NPS of all other responses, points),
        ``p_value`` (z test of that difference), ``significant`` (p < 0.05) and ``small``
        (fewer than 30 responses). Responses with a missing score are left out.

    Raises
    ------
    ValueError
        If ``by`` is not a column or a score is invalid.
    NotEnoughData
        If there are no scores (a ``ValueError`` too).
    """
    if by not in responses.columns:
        raise ValueError(f"There is no column {by!r} in the responses.")
    require_scores(responses)
    score_all = score_array(responses)
    keep = ~np.isnan(score_all)
    if not keep.any():
        raise NotEnoughData("There are no NPS scores to break down (the input is empty).")
    score = score_all[keep]
    labels = responses[by].astype("str")[keep].fillna(MISSING_LABEL)
    labels = labels.mask(labels.str.strip() == "", MISSING_LABEL)
    codes, uniques = pd.factorize(labels)
    table = group_table(codes, score, len(uniques))
    total = {"promoters": (score >= 9).sum(), "detractors": (score <= 6).sum(), "n": len(score)}
    rest = pd.DataFrame({k: v - table[k].to_numpy() for k, v in total.items()})
    cmp = compare_tables(table, rest)
    table["diff_vs_rest"] = cmp["difference"]
    table["p_value"] = cmp["p_value"]
    table["significant"] = np.nan_to_num(cmp["p_value"], nan=1.0) < 0.05
    table["small"] = table["n"].to_numpy() < SMALL_GROUP
    table.index = pd.Index(np.asarray(uniques, dtype=object), name=by)
    return table.sort_values(["nps", "n"], ascending=[False, False], kind="stable")


_FREQ_ALIASES = {"D": "D", "W": "W", "M": "M", "ME": "M", "MS": "M", "Q": "Q", "QE": "Q"}
_FREQ_ALIASES.update({"QS": "Q", "Y": "Y", "YE": "Y", "YS": "Y", "A": "Y"})
_LABEL_FORMATS = {"D": "%Y-%m-%d", "W": "week of %Y-%m-%d", "M": "%Y-%m", "Y": "%Y"}


def _period_labels(periods: pd.PeriodIndex, key: str) -> list[str]:
    """Return each period's label: ``"2024-03"``, ``"2024-Q1"``, ``"week of 2024-01-15"``."""
    if key == "Q":
        return [f"{p.year}-Q{p.quarter}" for p in periods]
    return list(periods.start_time.strftime(_LABEL_FORMATS[key]))


def nps_trend(responses: pd.DataFrame, *, freq: str = "M") -> pd.DataFrame:
    """Compute the NPS per calendar period with intervals and the change from the one before.

    Parameters
    ----------
    responses : DataFrame
        Canonical responses with ``response_date`` and ``score``.
    freq : {"D", "W", "M", "Q", "Y"}
        Period length: day, week (Monday start), month, quarter or year.

    Returns
    -------
    DataFrame
        One row per period that has responses (empty periods are skipped), indexed by the
        period's first day (``period``), with ``label`` (e.g. ``"2024-03"``), the NPS columns of
        :func:`nps_by` (``n``, ``nps``, ``ci_low``, ``ci_high``, counts, shares, ``small``) and
        ``change`` (NPS minus the previous row's NPS, points), ``change_ci_low``,
        ``change_ci_high``, ``change_p_value`` (z test) and ``significant_change`` (p < 0.05).
        The first row has no change (NaN, not significant).

    Raises
    ------
    ValueError
        If ``freq`` is not one of the above or a score is invalid.
    NotEnoughData
        If no response has both a date and a score (a ``ValueError`` too).
    """
    key = _FREQ_ALIASES.get(str(freq).upper())
    if key is None:
        raise ValueError(f"freq must be one of D, W, M, Q or Y, not {freq!r}.")
    require_scores(responses)
    score = score_array(responses)
    dates = pd.to_datetime(responses["response_date"])
    keep = ~np.isnan(score) & dates.notna().to_numpy()
    if not keep.any():
        raise NotEnoughData("There are no dated NPS scores to follow over time.")
    periods = dates[keep].dt.to_period("W-SUN" if key == "W" else key)
    codes, uniques = pd.factorize(periods, sort=True)
    table = group_table(codes, score[keep], len(uniques))
    cmp = compare_tables(table, table.shift(1))
    table["small"] = table["n"].to_numpy() < SMALL_GROUP
    table["change"] = cmp["difference"]
    table["change_ci_low"] = cmp["ci_low"]
    table["change_ci_high"] = cmp["ci_high"]
    table["change_p_value"] = cmp["p_value"]
    table["significant_change"] = np.nan_to_num(cmp["p_value"], nan=1.0) < 0.05
    index = pd.PeriodIndex(uniques)
    table.insert(0, "label", pd.array(_period_labels(index, key), dtype="str"))
    table.index = pd.DatetimeIndex(index.start_time, name="period")
    return table


def attribute_columns(responses: pd.DataFrame, *, max_values: int = 50) -> list[str]:
    """List the columns of the responses that make sense as breakdowns (plan, region ...).

    A breakdown column is any column other than the canonical ones (``response_date``,
    ``score``, ``customer_id``, ``comment``, ``csat``, ``ces``) whose number of distinct
    non-missing values is between 2 and ``max_values``; id-like columns (``response_id``,
    one value per row) are therefore left out.
    """
    out = []
    for col in responses.columns:
        if col in RESPONSE_ROLES:
            continue
        k = responses[col].nunique(dropna=True)
        if 2 <= k <= max_values and k < max(len(responses), 1):
            out.append(str(col))
    return out


# Extreme amounts (1e300) give inf/nan figures, never an error (analysis.core.floats).
make_float_safe(globals(), __all__)
