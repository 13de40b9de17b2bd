"""RFM segment migration with both RFM tables aggregated in the engine.

The per-customer values at the two dates come from :func:`analysis.pushdown.rfm_table` (two
queries); the scores, segments and the counts of customers moving between segments are then
computed in memory by :func:`analysis.rfm.migration_from_tables`, as for a file.
"""

from __future__ import annotations

import ibis.expr.types as ir
import pandas as pd

from analysis import rfm as _rfm
from analysis.pushdown._lines import resolve_as_of
from analysis.pushdown.rfm import rfm_table

__all__ = ["segment_migration"]


def segment_migration(
    table: ir.Table,
    *,
    as_of=None,
    previous_as_of=None,
    bins: int = 5,
    rules: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """:func:`analysis.rfm.segment_migration` with the RFM values aggregated in the engine.

    Parameters
    ----------
    table : ibis Table
        Canonical transactions in any Ibis backend.
    as_of, previous_as_of, bins, rules
        As for :func:`analysis.rfm.segment_migration` (``previous_as_of`` defaults to 90 days
        before ``as_of``; it must be earlier).

    Returns
    -------
    DataFrame
        The same counts, index, columns and ``attrs`` as the in-memory function.
    """
    as_of_ts = resolve_as_of(table, as_of)
    prev_ts = _rfm.comparison_date(as_of_ts, previous_as_of)
    now = rfm_table(table, as_of=as_of_ts, bins=bins, rules=rules)
    before = rfm_table(table, as_of=prev_ts, bins=bins, rules=rules)
    return _rfm.migration_from_tables(now, before)
