"""The "What to do now" lists: every figure against hand-computed values, then the shop example."""

from __future__ import annotations

import pandas as pd

from analysis import actions
from tests.analysis.actions._data import AS_OF, _tx


def test_contact_columns_are_found_by_name():
    cols = ["customer_id", "customer_email", "Phone Number", "product_name", "first_name"]
    cols += ["city", "discount_code", "amount", "E-Mail", "Telephone", "notes"]
    tx = pd.DataFrame(columns=cols)
    assert actions.contact_columns(tx) == [
        "customer_email",
        "Phone Number",
        "first_name",
        "city",
        "E-Mail",
        "Telephone",
    ]


def test_latest_non_empty_contact_value_per_customer():
    out = actions.latest_values(_tx(), ["customer_email", "Phone"], as_of=AS_OF)
    assert out.loc["A", "customer_email"] == "a2@x.com"  # not the blank, not the late line
    assert out.loc["A", "Phone"] == "111"
    assert out.loc["B", "customer_email"] == "b@x.com"
    assert pd.isna(out.loc["C", "customer_email"])
    assert set(out.index) == set("ABCDEFGHKL")
