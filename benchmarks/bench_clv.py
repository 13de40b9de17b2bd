"""Customer lifetime value: ``clv_summary`` against lifetimes, and the two model fits.

Cases (``python benchmarks/run.py --only clv``):

- ``clv_summary`` (ours: factorised customer codes, one integer key per customer-day, numpy
  sums) against ``lifetimes.utils.summary_data_from_transaction_data`` (lifetimes 0.11.3, the
  archived reference implementation: pandas ``to_period`` + ``groupby``), daily, same data.
- ``BetaGeoModel.fit`` and ``GammaGammaModel.fit`` on 100,000 customers (the summary of the same
  data, resampled to exactly 100k customers), at every size. Their "ours vs" ratio is relative to
  ``clv_summary`` and only shows scale; the target is under 2 s each.
- ``value_report`` with the Customer value page's settings (up to 1M rows), and on the same data
  cut to one line per customer (nobody repeats): refused in plain words before any fitting, so
  it must cost a small fraction of the real report (issue 14: such a file once took minutes).

``check(tx)`` asserts that both summaries give the same numbers. lifetimes counts every
customer-day, ours only days whose net value is not negative (refund-only days are not
purchases), so the comparison uses the rows without refund lines, where both definitions agree.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.clv import (
    BetaGeoModel,
    GammaGammaModel,
    UnsuitableDataError,
    clv_summary,
    value_report,
)

try:  # dev-only benchmark dependency (benchmarks/requirements.txt)
    from lifetimes.utils import summary_data_from_transaction_data
except ImportError:  # pragma: no cover - the baseline is optional
    summary_data_from_transaction_data = None


FIT_CUSTOMERS = 100_000


def _lifetimes(tx: pd.DataFrame) -> pd.DataFrame:
    return summary_data_from_transaction_data(
        tx, "customer_id", "order_date", monetary_value_col="amount", freq="D"
    )


def cases(tx: pd.DataFrame) -> dict:
    """Ours first, then the lifetimes baseline and the model fits."""
    summary = clv_summary(tx)
    summary = summary.sample(FIT_CUSTOMERS, replace=len(summary) < FIT_CUSTOMERS, random_state=0)
    out = {"ours: clv_summary": lambda: clv_summary(tx)}
    if summary_data_from_transaction_data is not None:
        out["lifetimes summary_data_from_tx"] = lambda: _lifetimes(tx)
    out["BetaGeoModel.fit (100k customers)"] = lambda: BetaGeoModel().fit(summary)
    out["GammaGammaModel.fit (100k customers)"] = lambda: GammaGammaModel().fit(summary)
    if len(tx) <= PAGE_MAX_ROWS:
        out["value_report (page settings)"] = lambda: value_report(
            tx, months=12, monthly_discount_rate=0.00797414, time_unit="W"
        )
    one_time = tx.drop_duplicates("customer_id")
    out["value_report, nobody repeats (refused)"] = lambda: _refused(one_time)
    return out


PAGE_MAX_ROWS = 1_000_000


def _refused(tx: pd.DataFrame) -> None:
    try:
        value_report(tx, time_unit="W")
    except UnsuitableDataError:
        return
    raise AssertionError("a table where nobody repeats must be refused")


def check(tx: pd.DataFrame) -> None:
    """Same numbers as lifetimes where the purchase definitions agree (no refund lines)."""
    if summary_data_from_transaction_data is None:
        print("   clv check skipped: lifetimes is not installed")
        return
    clean = tx[tx["amount"] >= 0]
    ours = clv_summary(clean)
    theirs = _lifetimes(clean).reindex(ours.index)
    for column in ["frequency", "recency", "T", "monetary_value"]:
        np.testing.assert_allclose(
            ours[column].to_numpy(dtype=float), theirs[column].to_numpy(), rtol=1e-9, atol=1e-9
        )
    print(f"   clv check: {len(ours):,} customers, same frequency/recency/T/monetary as lifetimes")
