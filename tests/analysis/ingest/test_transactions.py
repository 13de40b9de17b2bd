"""prepare_transactions' notes written in the file's currency (analysis.ingest.transactions)."""

from __future__ import annotations

from analysis.core.text import md_escape
from analysis.ingest import prepare_transactions, read_table


def _anonymous_note(text: str) -> str:
    p = prepare_transactions(read_table(text.encode("utf-8"), filename="shop.csv"))
    return next(w for w in p.warnings if "in all)" in w)


def test_sales_without_a_customer_are_summed_in_the_files_currency() -> None:
    rows = "A,2024-03-05,10\n,2024-03-05,1234.5\n,2024-03-06,1\n"
    euros = _anonymous_note("customer,date,Total (€)\n" + rows)
    assert "(guest or till sales, 2 orders, €1,235.50 in all) are kept" in euros
    dollars = _anonymous_note("customer,date,amount\n" + rows.replace(",1", ",$1"))
    assert "2 orders, $1,235.50 in all)" in dollars
    # the note is plain text; shown as Markdown its "$" is escaped (never a formula)
    assert "2 orders, \\$1,235.50 in all)" in md_escape(dollars)
    # a file that names no currency: a plain number
    assert "2 orders, 1,235.50 in all)" in _anonymous_note("customer,date,amount\n" + rows)
