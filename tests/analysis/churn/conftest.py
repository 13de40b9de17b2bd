"""The churn model on the generated online shop, shared by the tests of analysis.churn."""

import pandas as pd
import pytest

from analysis import ingest
from analysis.churn import churn_model
from tests.paths import SAMPLE_DATA


@pytest.fixture(scope="session")
def shop_tx() -> pd.DataFrame:
    raw = ingest.read_table(SAMPLE_DATA / "online_shop_transactions.csv")
    return ingest.prepare_transactions(raw).data


@pytest.fixture(scope="session")
def shop_churn(shop_tx):
    return churn_model(shop_tx, horizon_days=90)
