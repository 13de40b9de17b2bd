"""Tests of analysis.clv.holdout: calibration and holdout on CDNOW, the default split."""

import math

import pandas as pd
import pytest

from analysis.clv import (
    calibration_holdout,
    default_holdout_split,
)

# --- calibration / holdout -----------------------------------------------------------------
from tests.analysis.clv._data import TX


def test_calibration_holdout_on_cdnow(cdnow_tx):
    h = calibration_holdout(
        cdnow_tx, calibration_end="1997-10-01", holdout_end="1998-07-01", time_unit="W"
    )
    assert h.model.params_["r"] == pytest.approx(0.2426, abs=1e-4)
    # Actual holdout repeat purchases by hand: distinct (customer, day) in the holdout.
    hold = cdnow_tx[
        (cdnow_tx["order_date"] >= "1997-10-01") & (cdnow_tx["order_date"] < "1998-07-01")
    ]
    by_hand = hold.drop_duplicates(["customer_id", "order_date"]).groupby("customer_id").size()
    assert h.actual_total == by_hand.sum()
    assert h.customers.loc["4", "frequency_holdout"] == by_hand.get("4", 0)
    assert h.customers["duration_holdout"].iloc[0] == pytest.approx(273 / 7)
    assert list(h.by_frequency["frequency_cal"]) == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert h.by_frequency["customers"].sum() == 2357
    # The model tracks the holdout in the aggregate within 15% and gets the ordering right.
    assert h.predicted_total == pytest.approx(h.actual_total, rel=0.15)
    assert h.by_frequency["predicted"].is_monotonic_increasing
    err = h.customers["predicted_holdout"] - h.customers["frequency_holdout"]
    assert h.mae == pytest.approx(err.abs().mean())
    assert h.rmse == pytest.approx(math.sqrt((err**2).mean()))
    assert h.tracking["actual"].iloc[-1] == h.actual_total
    assert h.tracking["predicted"].iloc[-1] == pytest.approx(h.predicted_total)


def test_default_holdout_split(cdnow_tx):
    cal, end = default_holdout_split(cdnow_tx)
    assert end == pd.Timestamp("1998-07-01")
    assert (end - cal).days == 546 // 3
    assert default_holdout_split(TX) is None
