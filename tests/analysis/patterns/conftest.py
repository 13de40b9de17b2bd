"""Fixtures of the purchase-pattern tests: the example online shop."""

from __future__ import annotations

import pytest

from tests.paths import SAMPLE_DATA


@pytest.fixture(scope="module")
def shop_tx():
    from analysis import ingest

    path = SAMPLE_DATA / "online_shop_transactions.csv"
    return ingest.prepare_transactions(ingest.read_table(path, filename=path.name)).data
