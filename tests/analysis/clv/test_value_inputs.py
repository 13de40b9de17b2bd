"""The value models from their small inputs: the in-memory path is inputs, then models.

value_report, calibration_holdout and compare_models build small per-customer inputs first
(the part a database engine can compute, see analysis.pushdown.value) and fit the models on
them; these tests check the two halves give the one-call results and the inputs' contents.
"""

import numpy as np
import pandas as pd
import pytest

from analysis.clv import calibration_holdout, clv_summary, compare_models, value_report
from analysis.clv.comparison import ComparisonInputs, compare_from_inputs
from analysis.clv.holdout import (
    holdout_day_counts,
    holdout_from_inputs,
    holdout_inputs,
    holdout_split,
    tracking_from_counts,
)
from analysis.clv.value import value_inputs, value_report_from_inputs
from tests.analysis.clv._data import TX, _shop


@pytest.fixture(scope="module")
def shop() -> pd.DataFrame:
    return _shop(6000, seed=4)


def test_value_report_is_its_inputs_then_the_models(shop):
    direct = value_report(shop, months=6, model="pnbd")
    inputs = value_inputs(shop, time_unit="W")
    staged = value_report_from_inputs(inputs, months=6, model="pnbd")
    pd.testing.assert_frame_equal(direct.customers, staged.customers, check_exact=True)
    pd.testing.assert_frame_equal(direct.forecast, staged.forecast, check_exact=True)
    pd.testing.assert_frame_equal(direct.holdout.tracking, staged.holdout.tracking)
    assert direct.settings == staged.settings
    assert direct.warnings == staged.warnings
    pd.testing.assert_frame_equal(inputs.summary, clv_summary(shop, time_unit="W"))
    assert inputs.amount_note is None and inputs.lines == len(shop)


def test_value_inputs_hold_the_default_split(shop):
    inputs = value_inputs(shop)
    cal_end, hold_end = holdout_split(shop["order_date"].min(), inputs.summary.attrs["as_of"])
    assert (inputs.holdout.calibration_end, inputs.holdout.holdout_end) == (cal_end, hold_end)
    assert value_inputs(shop, holdout=False).holdout is None
    assert value_inputs(TX).holdout is None  # under 84 days: no check
    # An explicit split: the first day plus 84 days is the shortest history with a check.
    first = pd.Timestamp("2024-01-01")
    assert holdout_split(first, first + pd.Timedelta(days=83)) is None
    cal, end = holdout_split(first, first + pd.Timedelta(days=84))
    assert (end - cal).days == 28


def test_holdout_counts_by_hand(shop):
    inputs = holdout_inputs(shop, calibration_end="2024-09-01", holdout_end="2024-12-01")
    summary = inputs.summary
    start, end = inputs.bounds
    assert end - start == 91
    # Purchase days by hand: a customer's calendar day with a net of 0 or more.
    day_net = shop.groupby(["customer_id", shop["order_date"].dt.normalize()])["amount"].sum()
    days = day_net[day_net.round(8) >= 0].reset_index()
    hold = days[(days["order_date"] >= "2024-09-01") & (days["order_date"] < "2024-12-01")]
    hold = hold[hold["customer_id"].isin(summary.index)]
    per_customer = hold.groupby("customer_id").size().reindex(summary.index, fill_value=0)
    np.testing.assert_array_equal(inputs.actual, per_customer.to_numpy(dtype=float))
    offsets = (hold["order_date"] - pd.Timestamp("2024-09-01")).dt.days
    expected = offsets.value_counts().sort_index()
    np.testing.assert_array_equal(inputs.day_counts.index, expected.index)
    np.testing.assert_array_equal(inputs.day_counts.to_numpy(), expected.to_numpy())
    counts = holdout_day_counts(shop, summary.index, start, end)
    pd.testing.assert_series_equal(counts, inputs.day_counts)
    # The holdout check on these inputs is calibration_holdout's.
    direct = calibration_holdout(shop, calibration_end="2024-09-01", holdout_end="2024-12-01")
    staged = holdout_from_inputs(inputs)
    pd.testing.assert_frame_equal(direct.customers, staged.customers, check_exact=True)
    pd.testing.assert_frame_equal(direct.tracking, staged.tracking, check_exact=True)
    # The actual curve counts the holdout purchase days before each point.
    for row in staged.tracking.itertuples():
        before = (offsets <= (row.date - pd.Timestamp("2024-09-01")).days).sum()
        assert row.actual == before
    tracking = tracking_from_counts(inputs.day_counts, summary, staged.model, start, end, 7.0)
    pd.testing.assert_frame_equal(tracking, staged.tracking)


def test_compare_models_is_its_inputs_then_the_models(shop):
    direct = compare_models(shop, models=("bgnbd", "pnbd", "bgbb"))
    frame = direct.customers[
        ["frequency_cal", "recency_cal", "T_cal", "frequency_holdout", "duration_holdout"]
    ]
    summary = frame.rename(
        columns={"frequency_cal": "frequency", "recency_cal": "recency", "T_cal": "T"}
    )[["frequency", "recency", "T"]]
    inputs = ComparisonInputs(
        summary,
        frame["frequency_holdout"].to_numpy(),
        float(frame["duration_holdout"].iloc[0]),
        is_holdout_frame=True,
    )
    staged = compare_from_inputs(inputs, models=("bgnbd", "pnbd", "bgbb"))
    keep = ["key", "predicted_total", "actual_total", "mae", "log_likelihood", "bic"]
    pd.testing.assert_frame_equal(direct.table[keep], staged.table[keep], check_exact=True)
    assert staged.tracking is None and staged.calibration_end is None
    assert "it needs transactions with discrete opportunities" in staged.notes[-1]
    assert "happen on many different days" in direct.notes[-1]
    with pytest.raises(ValueError, match="Unknown models"):
        compare_from_inputs(inputs, models=("nope",))
