"""Fitted models on the published data sets, shared by the tests of analysis.clv."""

import pandas as pd
import pytest

from analysis.clv import (
    BetaGeoBetaBinomModel,
    BetaGeoModel,
    GammaGammaModel,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
    clv_summary,
)
from tests.analysis.clv._data import cdnow_transactions
from tests.paths import DATA


@pytest.fixture(scope="session")
def cdnow_tx() -> pd.DataFrame:
    return cdnow_transactions()


@pytest.fixture(scope="session")
def cdnow_summary(cdnow_tx) -> pd.DataFrame:
    # The published calibration period: 1997-01-01 to 1997-09-30, in weeks.
    return clv_summary(cdnow_tx, as_of="1997-10-01", time_unit="W")


@pytest.fixture(scope="session")
def cdnow_bg(cdnow_summary) -> BetaGeoModel:
    return BetaGeoModel().fit(cdnow_summary)


@pytest.fixture(scope="session")
def cdnow_gg(cdnow_summary) -> GammaGammaModel:
    return GammaGammaModel().fit(cdnow_summary)


@pytest.fixture(scope="session")
def pnbd(cdnow_summary) -> ParetoNBDModel:
    return ParetoNBDModel().fit(cdnow_summary)


@pytest.fixture(scope="session")
def mbg(cdnow_summary) -> ModifiedBetaGeoModel:
    return ModifiedBetaGeoModel().fit(cdnow_summary)


@pytest.fixture(scope="session")
def donations() -> pd.DataFrame:
    return pd.read_csv(DATA / "donations.csv")


@pytest.fixture(scope="session")
def bgbb(donations) -> BetaGeoBetaBinomModel:
    return BetaGeoBetaBinomModel().fit(donations)
