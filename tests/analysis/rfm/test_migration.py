"""Tests of analysis.rfm.migration: customers by their segment at two dates."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.rfm import (
    NEW,
    migration_sentences,
    segment_migration,
)
from tests.analysis.rfm._data import TX

# --------------------------------------------------------------------------- migration


def test_segment_migration_hand_computed():
    m = segment_migration(TX, as_of="2024-03-11", previous_as_of="2024-03-04")
    assert m.index[0] == NEW and m.index.name == "previous_segment"
    assert int(m.to_numpy().sum()) == 4  # every customer at as_of counted once
    # At 4 March: A R2 F2 and B R1 F1 (Hibernating), E R3 F1 (About to Sleep); D had not bought.
    assert m.loc["Hibernating", "Hibernating"] == 2
    assert m.loc["About to Sleep", "About to Sleep"] == 1
    assert m.loc[NEW, "Potential Loyalists"] == 1
    sentences = migration_sentences(m)
    assert sentences == [
        "3 of 3 earlier customers (100%) kept their segment.",
        "1 customer bought for the first time in between and is now Potential Loyalists.",
    ]


def test_segment_migration_default_and_errors():
    m = segment_migration(TX)  # 90 days before 11 March: nobody had bought yet
    assert m.attrs["previous_as_of"] == pd.Timestamp("2023-12-12")
    assert m.loc[NEW].sum() == 4 and m.drop(index=NEW).to_numpy().sum() == 0
    with pytest.raises(ValueError, match="earlier"):
        segment_migration(TX, as_of="2024-03-01", previous_as_of="2024-03-05")
