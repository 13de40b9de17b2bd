"""The detractors to call back, newest first."""

from __future__ import annotations

import pandas as pd

from analysis.core.floats import make_float_safe

__all__ = ["detractor_followup"]

#: The columns a caller needs first, in this order (the others follow as they are).
_FIRST_COLUMNS = ("response_date", "customer_id", "score", "comment", "csat", "ces")


def detractor_followup(
    responses: pd.DataFrame, *, since=None, last_days: int | None = None
) -> pd.DataFrame:
    """List the detractors (0-6) to call back: newest first, lowest score first within a day.

    Parameters
    ----------
    responses : DataFrame
        Canonical responses.
    since : date-like or None
        Keep responses on or after this calendar day.
    last_days : int or None
        Keep responses of the last ``last_days`` calendar days of the survey, counting the day
        of the latest response as day 1 (7 = that day and the six before).

    Returns
    -------
    DataFrame
        Columns ``response_date``, ``customer_id`` (when present), ``score``, ``comment``,
        ``csat``/``ces`` (when present), then the other attribute columns; RangeIndex.
    """
    score = pd.to_numeric(responses["score"])
    mask = (score <= 6).fillna(False)
    if "response_date" in responses.columns and (since is not None or last_days is not None):
        day = pd.to_datetime(responses["response_date"]).dt.normalize()
        if since is not None:
            mask &= (day >= pd.Timestamp(since).normalize()).fillna(False)
        if last_days is not None and day.notna().any():
            start = day.max() - pd.Timedelta(days=int(last_days) - 1)
            mask &= (day >= start).fillna(False)
    first = [c for c in _FIRST_COLUMNS if c in responses.columns]
    rest = [c for c in responses.columns if c not in first]
    out = responses.loc[mask.to_numpy(dtype=bool), first + rest]
    sort_cols = [c for c in ("response_date", "score") if c in out.columns]
    out = out.sort_values(sort_cols, ascending=[False, True][: len(sort_cols)], kind="stable")
    return out.reset_index(drop=True)


# Extreme amounts (1e300) give inf/nan figures, never an error (analysis.core.floats).
make_float_safe(globals(), __all__)
