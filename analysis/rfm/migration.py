"""Migration between two dates: customers counted by their segment then and now."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.core.floats import make_float_safe
from analysis.core.orders import resolve_as_of
from analysis.rfm.scores import rfm_table

__all__ = ["NEW", "comparison_date", "migration_from_tables", "segment_migration"]

NEW = "new"
"""Label of the 'previous segment' of customers who had not bought yet at the earlier date."""


def segment_migration(
    tx: pd.DataFrame,
    *,
    as_of=None,
    previous_as_of=None,
    bins: int = 5,
    rules: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Count customers by (segment at ``previous_as_of``, segment at ``as_of``).

    Both segmentations use the same rules and bins, each computed from the data known at its
    date (lines before that date only, scores cut on that date's distribution).

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    as_of : date-like or None
        Later end of observation, exclusive (default: the day after the last transaction).
    previous_as_of : date-like or None
        Earlier end of observation (default: 90 days before ``as_of``); must be earlier.
    bins, rules
        As in :func:`analysis.rfm.scores.rfm_table`.

    Returns
    -------
    DataFrame
        Counts (int64) with index ``previous_segment`` (``"new"`` first: customers without a
        purchase before ``previous_as_of``, then the segments in rule order) and columns
        ``segment`` (segments at ``as_of``). Every customer in ``rfm_table(tx, as_of=as_of)``
        is counted once. (A customer whose purchases were all turned into refunds after the
        earlier date is in neither table's later segments and is not counted.)
    """
    as_of_ts = resolve_as_of(tx, as_of)
    prev_ts = comparison_date(as_of_ts, previous_as_of)
    now = rfm_table(tx, as_of=as_of_ts, bins=bins, rules=rules)
    before = rfm_table(tx, as_of=prev_ts, bins=bins, rules=rules)
    return migration_from_tables(now, before)


def comparison_date(as_of: pd.Timestamp, previous_as_of=None) -> pd.Timestamp:
    """Return the earlier date of a migration: ``previous_as_of`` or 90 days before ``as_of``.

    Raises
    ------
    ValueError
        When that date is not earlier than ``as_of``.
    """
    prev_ts = (
        as_of - pd.Timedelta(days=90)
        if previous_as_of is None
        else pd.Timestamp(previous_as_of).normalize()
    )
    if prev_ts >= as_of:
        raise ValueError("The comparison date must be earlier than the as-of date.")
    return prev_ts


def migration_from_tables(now: pd.DataFrame, before: pd.DataFrame) -> pd.DataFrame:
    """Count customers by (segment in ``before``, segment in ``now``).

    Parameters
    ----------
    now, before : DataFrame
        :func:`analysis.rfm.scores.rfm_table` outputs at the later and the earlier date (in
        memory or from :func:`analysis.pushdown.rfm_table`: the customers' order does not
        matter), with their ``attrs["as_of"]``.

    Returns
    -------
    DataFrame
        What :func:`segment_migration` returns.
    """
    cats = list(now["segment"].cat.categories)
    for c in before["segment"].cat.categories:
        if c not in cats:
            cats.append(c)
    to_codes = pd.Categorical(now["segment"], categories=cats).codes.astype(np.int64)
    prev_seg = pd.Categorical(before["segment"], categories=cats)
    pos = before.index.get_indexer(now.index)
    if len(before):
        prev_codes = prev_seg.codes.astype(np.int64)
        from_codes = np.where(pos >= 0, prev_codes.take(np.maximum(pos, 0)) + 1, 0)
    else:
        from_codes = np.zeros(len(now), dtype=np.int64)
    n = len(cats)
    counts = np.bincount(from_codes * n + to_codes, minlength=(n + 1) * n).reshape(n + 1, n)
    out = pd.DataFrame(
        counts.astype(np.int64),
        index=pd.Index([NEW, *cats], name="previous_segment", dtype="str"),
        columns=pd.Index(cats, name="segment", dtype="str"),
    )
    out.attrs = {"as_of": now.attrs["as_of"], "previous_as_of": before.attrs["as_of"]}
    return out


# Extreme amounts (1e300) give inf/nan figures, never an error (analysis.core.floats).
make_float_safe(globals(), __all__)
