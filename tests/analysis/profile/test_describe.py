"""Customer profile: one customer's figures, orders, purchases, survey and model cards."""

from __future__ import annotations

import pandas as pd

from analysis import profile as PR
from tests.analysis.profile._data import TX


def test_profile_sentences():
    p = PR.customer_profile(TX, "A")
    responses = pd.DataFrame(
        {
            "response_date": pd.to_datetime(["2024-01-20"]),
            "score": [5],
            "group": ["detractor"],
            "comment": ["Slow delivery"],
        }
    )
    lines = PR.profile_sentences(
        p,
        rfm={
            "segment": "Champions",
            "r_score": 5,
            "f_score": 4,
            "m_score": 5,
            "action": "Thank them.",
        },
        value={"clv": 120.0, "clv_rank": 0.97, "churn_risk": 0.25},
        store_average_order=10.0,
        responses=responses,
        value_months=12,
        churn_days=90,
    )
    text = "\n".join(lines)
    assert lines[0] == (
        "Customer since 01 Jan 2024: 3 purchases, 38.00 net in total; the last 1 day ago "
        "(31 Jan 2024)."
    )
    assert "usually buy again after about 15 days; it has been 1 day, within their usual" in text
    assert "Average order 14.33, 43% above the average of all customers (10.00)." in text
    assert "1 refund worth 5.00" in text
    assert "Most bought: bread (in 2 of 3 purchases)." in text
    assert "RFM segment: Champions (R5 F4 M5). Thank them." in text
    assert "worth 120.00 over the next 12 months (the top 3% of customers)" in text
    assert "25% risk of not buying within 90 days" in text
    assert 'scored 5 out of 10, a detractor and wrote: "Slow delivery".' in text
    # overdue: as of 3 April the last purchase (31 January) is 63 days old, 4 times 15
    late = PR.profile_sentences(PR.customer_profile(TX, "A", as_of="2024-04-03"))
    assert any("4 times their usual gap: overdue" in line for line in late)


def test_profile_sentences_write_money_in_the_files_currency():
    p = PR.customer_profile(TX, "A")
    value = {"clv": 120.0, "clv_rank": 0.97}
    text = "\n".join(PR.profile_sentences(p, value=value, store_average_order=10.0, currency="EUR"))
    assert "3 purchases, €38.00 net in total" in text
    assert "Average order €14.33, 43% above the average of all customers (€10.00)." in text
    assert "1 refund worth €5.00" in text and "worth €120.00 over the value horizon" in text
    # "$" starts a formula in Markdown: escaped
    usd = PR.profile_sentences(p, currency="USD")[0]
    assert "3 purchases, \\$38.00 net in total" in usd
