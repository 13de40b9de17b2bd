"""Numbers and dates: the short cuts that skip values which cannot be numbers or dates.

Each short cut must give exactly what parsing every value gives; these tests parse hostile
mixes both ways and compare.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.ingest import parsing

MIXED = [
    "C-1024",
    "O123",
    "P12",
    "V0-17",
    "1.234",
    "1,234",
    "1.234,50",
    "1 234,50",
    "12,50 €",
    "EUR 1.234,50",
    "usd 12",
    "12 dollars",
    "(12.00)",
    "12-",
    "\u22125",
    "+5",
    "1e3",
    "1E3",
    "- ",
    ",",
    "CHF 1'234.50",
    "1\u00a0234",
    "Café 12",
    "١٢٣",
    "12.5kr",
    "abc",
    "2024-03-05",
    "",
]


def _numbers_without_short_cut(values: list[str]) -> tuple[np.ndarray, str, bool]:
    u = pd.Series(values, dtype="str")
    return parsing._parse_number_values(u, np.ones(len(values), dtype=np.int64))


@pytest.mark.parametrize(
    "values",
    [
        MIXED,
        ["C-1024", "O123", "V0-17"],  # nothing can be a number
        ["C-1024", "1.234", "1.500"],  # the ids do not vote: still "1,234" read as thousands
        ["O1", "1,5", "2,25", "EUR 3"],
        ["1 234,50", "x", "1\u202f000"],
    ],
)
def test_numbers_skipping_non_numbers_changes_nothing(values: list[str]) -> None:
    u = pd.Series(values, dtype="str")
    counts = np.arange(1, len(values) + 1, dtype=np.int64)
    got = parsing._parse_numbers_slow(u, counts)
    want = parsing._parse_number_values(u, counts)
    np.testing.assert_array_equal(got[0], want[0])
    assert got[1:] == want[1:]


def test_a_column_of_ids_is_not_parsed_as_numbers() -> None:
    """Ids are never handed to the separator vote: all NaN, the default format, no doubt."""
    vals, fmt, ambiguous = parsing._parse_numbers_slow(
        pd.Series(["C-1024", "O123", "V0-17"], dtype="str"), np.ones(3, dtype=np.int64)
    )
    assert np.isnan(vals).all()
    assert (fmt, ambiguous) == _numbers_without_short_cut(["C-1024", "O123", "V0-17"])[1:]


DATES = [
    "2024-03-05",
    "2024/03/05 01:30 PM",
    "20240305",
    "05/03/2024",
    "5.3.24",
    "45000",
    "45000.5",
    "12.50",
    "5 March 2024",
    "Tue, 5 Mar 2024",
    "Mar 5, 2024 2:30 PM",
    "C-1024",
    "V0-17",
    "-12",
    "ſep 5 2024",
    "2024-13-45",
    "١٢/٠٣/٢٠٢٤",
    "",
    "n/a",
]


@pytest.mark.parametrize("allow_serial", [True, False])
@pytest.mark.parametrize("dayfirst", [None, False])
def test_dates_skipping_non_dates_changes_nothing(
    monkeypatch: pytest.MonkeyPatch, allow_serial: bool, dayfirst: bool | None
) -> None:
    s = pd.Series(DATES * 3, dtype="str")
    got = parsing._parse_dates(s, dayfirst, allow_serial=allow_serial)
    monkeypatch.setattr(parsing, "_maybe_dates", lambda u, serial: np.ones(len(u), dtype=bool))
    want = parsing._parse_dates(s, dayfirst, allow_serial=allow_serial)
    np.testing.assert_array_equal(got.values, want.values)
    np.testing.assert_array_equal(got.bad, want.bad)
    assert (got.fmt, got.ambiguous) == (want.fmt, want.ambiguous)
    assert not np.isnat(got.values).all()  # the mix does hold dates


def test_maybe_dates_passes_every_family() -> None:
    u = pd.Series(DATES[:11], dtype="str")
    assert parsing._maybe_dates(u, allow_serial=True).all()
    without_serial = parsing._maybe_dates(u, allow_serial=False)
    assert not without_serial[[5, 6, 7]].any()  # serials and decimals: no date then
    assert without_serial[[0, 1, 2, 3, 4, 8, 9, 10]].all()
