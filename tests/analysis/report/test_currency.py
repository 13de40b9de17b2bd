"""The report writes money in the data's currency (issue 15): tables, sentences, workbook."""

from analysis import report
from analysis.core.text import money
from tests.analysis.report.test_report import synthetic_tx


def test_the_report_writes_money_in_the_files_currency():
    built = report.build_report(synthetic_tx(60), include_value=False, currency="CHF")
    html = report.report_html(built)
    assert "Amounts are net of refunds, in CHF." in html
    overview = next(s for s in built.sections if s.title == "Overview")
    revenue = overview.table.set_index("Figure").loc["Net revenue", "Value"]
    assert revenue.endswith(" CHF"), revenue
    assert any("CHF" in s for s in overview.sentences) or not overview.sentences
    rfm = next(s for s in built.sections if s.title == "RFM segments")
    first = money(float(rfm.table["Net revenue"].iloc[0]), "CHF")
    assert f'<td class="num">{first}</td>' in html
    about = built.sheets["About"].set_index("item")["value"]
    assert about["Currency"] == "CHF"
    # without a currency: plain numbers, as before
    plain = report.report_html(report.build_report(synthetic_tx(60), include_value=False))
    assert "in the currency of the data" in plain and "CHF" not in plain
