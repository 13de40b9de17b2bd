"""Tables describing an RFM table: customers and revenue per segment, per grid cell, per score.

All take the output of :func:`analysis.rfm.scores.rfm_table`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.core.floats import make_float_safe
from analysis.rfm.rules import GRID, UNASSIGNED, _rules_from, _segment_lookup
from analysis.rfm.scores import to_five_point

__all__ = ["segment_summary", "rf_grid", "score_ranges", "distribution_counts"]


def segment_summary(rfm: pd.DataFrame, rules: pd.DataFrame | None = None) -> pd.DataFrame:
    """Return customers, revenue and average R, F, M per segment.

    Parameters
    ----------
    rfm : DataFrame
        Output of :func:`analysis.rfm.scores.rfm_table`.
    rules : DataFrame or None
        Rules for the description and action columns (default: those ``rfm`` was built with).

    Returns
    -------
    DataFrame
        One row per segment in rule order (empty segments included, with zero customers):
        ``segment``, ``customers``, ``customer_share`` (0..1), ``revenue`` (net, sum of
        ``monetary``), ``revenue_share`` (of total net revenue; NaN if the total is not
        positive), ``mean_recency`` (days), ``mean_frequency`` (orders), ``mean_monetary``,
        ``description``, ``action``.
    """
    seg = rfm["segment"]
    if not isinstance(seg.dtype, pd.CategoricalDtype):
        seg = seg.astype("category")
    grouped = rfm.groupby(seg, observed=False, sort=True)
    out = pd.DataFrame(
        {
            "customers": grouped.size().astype(np.int64),
            "revenue": grouped["monetary"].sum(),
            "mean_recency": grouped["recency"].mean(),
            "mean_frequency": grouped["frequency"].mean(),
            "mean_monetary": grouped["monetary"].mean(),
        }
    )
    out.index = pd.Index(out.index.astype("str"), name="segment")
    total_customers = len(rfm)
    total_revenue = float(rfm["monetary"].sum())
    out.insert(
        1,
        "customer_share",
        out["customers"] / total_customers if total_customers else np.nan,
    )
    out.insert(3, "revenue_share", out["revenue"] / total_revenue if total_revenue > 0 else np.nan)
    text = _rules_from(rfm, rules).drop_duplicates("segment").set_index("segment")
    out["description"] = text["description"].reindex(out.index).fillna("").astype("str")
    out["action"] = text["action"].reindex(out.index).fillna("").astype("str")
    if UNASSIGNED in out.index:
        out.loc[UNASSIGNED, "description"] = "Customers in grid cells that no rule covers."
        out.loc[UNASSIGNED, "action"] = "Edit the rules so that every cell has a segment."
    out = out.reset_index()
    out.attrs = {}
    return out


def rf_grid(rfm: pd.DataFrame) -> pd.DataFrame:
    """Count customers per recency x frequency score cell, with the cell's segment name.

    Returns
    -------
    DataFrame
        One row per cell of the ``bins x bins`` grid (empty cells included): ``r_score``,
        ``f_score``, ``customers``, ``share`` (of all customers), ``revenue`` and ``segment``
        (the segment the cell maps to under the rules ``rfm`` was built with).
    """
    bins = int(rfm.attrs.get("bins", GRID))
    r = rfm["r_score"].to_numpy() - 1
    f = rfm["f_score"].to_numpy() - 1
    cell = r * bins + f
    counts = np.bincount(cell, minlength=bins * bins)
    revenue = np.bincount(cell, weights=rfm["monetary"].to_numpy(), minlength=bins * bins)
    rr, ff = np.divmod(np.arange(bins * bins), bins)
    lookup, names = _segment_lookup(_rules_from(rfm, None))
    seg = np.asarray(names, dtype=object)[
        lookup[to_five_point(rr + 1, bins) - 1, to_five_point(ff + 1, bins) - 1]
    ]
    total = counts.sum()
    return pd.DataFrame(
        {
            "r_score": rr + 1,
            "f_score": ff + 1,
            "customers": counts.astype(np.int64),
            "share": counts / total if total else np.zeros(len(counts)),
            "revenue": revenue,
            "segment": pd.array(seg, dtype="str"),
        }
    )


def score_ranges(rfm: pd.DataFrame) -> pd.DataFrame:
    """Return the observed value range behind each score, for explaining the cuts.

    Returns
    -------
    DataFrame
        One row per (measure, score) with customers: ``measure`` (recency, frequency,
        monetary), ``score``, ``customers``, ``min`` and ``max`` of the measure's values.
    """
    parts = []
    for measure, col in (("recency", "r_score"), ("frequency", "f_score"), ("monetary", "m_score")):
        g = rfm.groupby(col, sort=True)[measure].agg(["size", "min", "max"])
        parts.append(
            pd.DataFrame(
                {
                    "measure": measure,
                    "score": g.index.to_numpy(dtype=np.int64),
                    "customers": g["size"].to_numpy(dtype=np.int64),
                    "min": g["min"].to_numpy(dtype=np.float64),
                    "max": g["max"].to_numpy(dtype=np.float64),
                }
            )
        )
    if not parts:
        return pd.DataFrame(columns=["measure", "score", "customers", "min", "max"])
    return pd.concat(parts, ignore_index=True)


def distribution_counts(rfm: pd.DataFrame, measure: str, *, max_bars: int = 40) -> pd.DataFrame:
    """Pre-binned distribution of one measure, small enough to chart for any data size.

    Frequency is counted per value (values above the 99th percentile are grouped into the
    last bar); recency and monetary use ``max_bars`` equal-width bins between the 1st and 99th
    percentiles, with the tails folded into the first and last bins.

    Returns
    -------
    DataFrame
        ``start``, ``end`` (bin edges; for frequency both equal the count, the last one may be
        "and more"), ``customers`` and ``label`` (text for the axis).
    """
    values = rfm[measure].to_numpy(dtype=np.float64)
    if len(values) == 0:
        return pd.DataFrame({"start": [], "end": [], "customers": [], "label": []})
    lo, hi = np.quantile(values, [0.01, 0.99])
    if measure == "frequency":
        top = int(max(hi, values.min()))
        clipped = np.minimum(values, top).astype(np.int64)
        counts = np.bincount(clipped, minlength=top + 1)
        start = np.arange(len(counts), dtype=np.float64)
        keep = start >= values.min()
        labels = [str(int(v)) for v in start[keep]]
        if values.max() > top:
            labels[-1] = f"{top}+"
        return pd.DataFrame(
            {
                "start": start[keep],
                "end": start[keep],
                "customers": counts[keep].astype(np.int64),
                "label": labels,
            }
        )
    if hi <= lo:
        lo, hi = float(values.min()), float(values.max())
    if hi <= lo:
        hi = lo + 1.0
    edges = np.linspace(lo, hi, max_bars + 1)
    idx = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, max_bars - 1)
    counts = np.bincount(idx, minlength=max_bars)
    return pd.DataFrame(
        {
            "start": edges[:-1],
            "end": edges[1:],
            "customers": counts.astype(np.int64),
            "label": [f"{a:,.0f}-{b:,.0f}" for a, b in zip(edges[:-1], edges[1:], strict=True)],
        }
    )


# Extreme amounts (1e300) give inf/nan figures, never an error (analysis.core.floats).
make_float_safe(globals(), __all__)
