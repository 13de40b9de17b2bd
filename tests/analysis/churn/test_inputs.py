"""The churn model from its inputs: churn_inputs, then ChurnModel.fit_inputs, is fit(tx)."""

import numpy as np
import pandas as pd
import pytest

from analysis.churn import ChurnModel, churn_features, churn_inputs, churn_labels
from analysis.churn.model import check_history, check_horizon
from analysis.clv import clv_summary
from analysis.core.errors import NotEnoughData


def test_fit_is_its_inputs_then_the_model(shop_tx, shop_churn):
    inputs = churn_inputs(shop_tx, horizon_days=90)
    staged = ChurnModel(horizon_days=90).fit_inputs(inputs).result_
    for name in ("scores", "evaluation", "calibration", "importance"):
        pd.testing.assert_frame_equal(
            getattr(shop_churn, name), getattr(staged, name), check_exact=True
        )
    assert staged.verdict == shop_churn.verdict
    assert (staged.n_train, staged.n_test) == (shop_churn.n_train, shop_churn.n_test)


def test_the_inputs_are_the_features_labels_and_summaries(shop_tx):
    inputs = churn_inputs(shop_tx, horizon_days=60, as_of="2024-01-01")
    assert inputs.as_of == pd.Timestamp("2024-01-01")
    assert inputs.cutoff == pd.Timestamp("2023-11-02")
    cut = clv_summary(shop_tx, as_of=inputs.cutoff, time_unit="D")
    pd.testing.assert_frame_equal(inputs.summary_cut, cut)
    features = churn_features(shop_tx, as_of=inputs.cutoff, recent_days=60)
    expected = features[features.index.isin(cut.index)]
    pd.testing.assert_frame_equal(inputs.features_cut, expected)
    labels = churn_labels(shop_tx, expected.index, start=inputs.cutoff, horizon_days=60)
    np.testing.assert_array_equal(inputs.labels, labels.to_numpy())
    assert inputs.features_now.index.isin(inputs.summary_now.index).all()
    assert inputs.amount_note is None


def test_inputs_of_another_horizon_are_refused(shop_tx):
    inputs = churn_inputs(shop_tx, horizon_days=60)
    with pytest.raises(ValueError, match="60-day horizon, the model for 90"):
        ChurnModel(horizon_days=90).fit_inputs(inputs)


def test_the_checks_in_words():
    with pytest.raises(ValueError, match="at least one day"):
        check_horizon(0)
    check_horizon(1)
    end = pd.Timestamp("2024-04-01")
    with pytest.raises(NotEnoughData, match="covers 100 days, .* needs at least 180"):
        check_history("2023-12-23 15:00", end, end - pd.Timedelta(days=90), 90)
    check_history("2023-10-03", end, end - pd.Timedelta(days=90), 90)
