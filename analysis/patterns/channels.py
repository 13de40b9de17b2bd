"""How customers come: the new customers each channel brought and how many came back."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.cohorts import cohort_sizes, retention_curve
from analysis.core.floats import make_float_safe

__all__ = ["channel_acquisition"]


def channel_acquisition(
    tx: pd.DataFrame,
    column: str = "channel",
    *,
    at: tuple[int, ...] = (1, 3, 6),
    as_of=None,
    max_groups: int = 6,
) -> pd.DataFrame:
    """Return the new customers each channel brought, and how many of them came back later.

    Built on :mod:`analysis.cohorts`: a customer is acquired by the channel (or other column) of
    their first purchase order; retention at month ``k`` is the average share of monthly cohorts
    with a purchase in the ``k``-th calendar month after their first
    (:func:`analysis.cohorts.retention_curve`, classic, complete months only).

    Returns
    -------
    DataFrame
        One row per group (largest first; small ones pooled into "Other"): ``<column>``,
        ``new_customers``, ``share``, then for each ``k`` in ``at``: ``month_k`` (share),
        ``month_k_low``, ``month_k_high`` (95% Wilson) and ``month_k_customers`` (customers in
        cohorts old enough; NaN share when none).
    """
    sizes = cohort_sizes(tx, by=column, as_of=as_of, max_groups=max_groups)
    if len(sizes) == 0:
        return pd.DataFrame(columns=[column, "new_customers", "share"])
    per_group = sizes.groupby(level=0, sort=False).sum()
    curve = retention_curve(tx, by=column, as_of=as_of, max_groups=max_groups)
    out = pd.DataFrame(
        {
            column: pd.array(per_group.index.astype("str"), dtype="str"),
            "new_customers": per_group.to_numpy().astype(np.int64),
        }
    )
    out["share"] = out["new_customers"] / out["new_customers"].sum()
    for k in at:  # a few points of the curve
        try:
            point = curve.xs(k, level="period_number")
        except KeyError:
            point = pd.DataFrame(columns=["value", "low", "high", "n_customers"])
        point = point.reindex(per_group.index)
        out[f"month_{k}"] = point["value"].to_numpy(dtype=np.float64)
        out[f"month_{k}_low"] = point["low"].to_numpy(dtype=np.float64)
        out[f"month_{k}_high"] = point["high"].to_numpy(dtype=np.float64)
        out[f"month_{k}_customers"] = point["n_customers"].fillna(0).to_numpy().astype(np.int64)
    out = out.sort_values("new_customers", ascending=False, kind="stable", ignore_index=True)
    out.attrs["at"] = tuple(at)
    return out


# Extreme amounts (1e300) give inf/nan figures, never an error (analysis.core.floats).
make_float_safe(globals(), __all__)
