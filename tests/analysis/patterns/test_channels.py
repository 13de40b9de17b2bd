"""Purchase patterns, how: channel acquisition on cohort retention (analysis.patterns.channels)."""

from __future__ import annotations

import pytest

from analysis import patterns as P
from analysis.cohorts import retention_curve
from tests.analysis.patterns.examples import make_tx


def test_channel_acquisition_uses_cohort_retention():
    tx = make_tx(
        [
            ("X", "1", "2024-01-05", 10.0, "web"),
            ("X", "2", "2024-02-05", 10.0, "shop"),  # acquired by web, whatever comes later
            ("Y", "3", "2024-01-06", 10.0, "web"),
            ("Z", "4", "2024-01-07", 10.0, "shop"),
            ("Z", "5", "2024-02-07", 10.0, "shop"),
            ("W", "6", "2024-03-30", 10.0, "web"),
        ],
        ["customer_id", "order_id", "order_date", "amount", "channel"],
    )
    ca = P.channel_acquisition(tx, at=(1, 2), as_of="2024-04-01").set_index("channel")
    assert ca.loc["web", "new_customers"] == 3 and ca.loc["shop", "new_customers"] == 1
    assert ca.loc["web", "share"] == pytest.approx(0.75)
    assert ca.loc["web", "month_1"] == pytest.approx(0.5)  # X back in February, Y not
    assert ca.loc["shop", "month_1"] == pytest.approx(1.0)
    assert ca.loc["web", "month_1_customers"] == 2  # W's cohort (March) is too young
    assert ca.loc["web", "month_2"] == 0.0
    curve = retention_curve(tx, by="channel", as_of="2024-04-01")
    assert ca.loc["web", "month_1_low"] == pytest.approx(curve.loc[("web", 1), "low"])
