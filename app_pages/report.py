"""Report & export: the whole analysis as one HTML report (and a PDF), and one Excel workbook."""

import datetime as dt

import streamlit as st

from analysis import overview, report
from analysis.core import defaults
from ui import engine
from ui.auth import private_file_name
from ui.cache import compute, keyed
from ui.components import EXPLAINED_ERRORS, empty_state, explain
from ui.data import require_transactions
from ui.text import inert

PREPARED_KEY = "_report_prepared_for"

ds = require_transactions(title="Report & export")
st.caption(
    f"Data: **{inert(ds.label)}**. Everything the other pages show at their default settings, in "
    "files you can keep, print, e-mail or open in Excel."
)

left, right = st.columns(2)
with left:
    st.markdown(
        """
**The report** (a web page that opens offline in any browser, and a PDF of it):
- the overview figures and new against returning customers,
- the best-selling products,
- the RFM segments with a recommended action for each,
- cohort retention month by month,
- customer feedback: NPS, CSAT and CES, and NPS by each group in your survey,
- what customers are worth and the valuable customers at risk,

each with its chart, its table and what it says in plain words, and the definitions at the end.
"""
    )
with right:
    st.markdown(
        """
**The workbook** (Excel), one sheet per table:
- *Overview*: the scorecard figures,
- *Segments* and *RFM*: the segment summary and every customer with their scores,
- one sheet per segment with its customers, ready for a mailing,
- *Cohorts*: the retention matrix with the cohort sizes,
- *Feedback* and *NPS by ...*: the survey scores by group,
- *Value and risk*: each customer's expected value, chance of still being active and churn risk.
"""
    )

if st.button(
    "Prepare report",
    type="primary",
    icon=":material/description:",
    key="report_prepare",
    help="Computes every section, fits the customer value models and draws the charts. "
    "The first time takes up to half a minute; after that it is ready at once.",
):
    st.session_state[PREPARED_KEY] = ds.key

if st.session_state.get(PREPARED_KEY) != ds.key:
    st.caption(
        "Press the button to compute the report for this data. Sections that need something "
        "your data does not have (survey answers, a product column, a long enough history) "
        "are left out with a note saying why."
    )
    st.stop()

# Nothing above this line computes anything: a first visit and every rerun before the click
# cost nothing. The sections are computed once per dataset (the cross-session cache), and the
# files (HTML, PDF, workbook) are made when their button is clicked, each once per dataset.
SECTION_NAMES = {
    "overview": "overview",
    "products": "best-selling products",
    "rfm": "RFM segments",
    "cohorts": "cohort retention",
    "feedback": "customer feedback",
    "value": "customer value and churn models",
}

with st.status("Preparing the report…", expanded=False) as status:
    status.update(label="Preparing the report: step 1 of 2, checking the data…")
    message = compute(overview.dataset_size_check, ds)
    if message:
        status.update(label="Could not prepare the report", state="error")
        empty_state(message)
        st.stop()
    status.update(
        label="Preparing the report: step 2 of 2, computing every section and fitting the "
        "customer value models (the longest part)…"
    )
    try:
        prepared = compute(
            report.build_report, ds, data="both", dataset_label=ds.label, currency=ds.currency
        )
    except EXPLAINED_ERRORS as exc:
        status.update(label="Could not prepare the report", state="error")
        empty_state(str(exc))
        st.stop()
    status.write(
        "Computed: "
        + ", ".join(
            f"{SECTION_NAMES.get(name, name)} ({seconds:.1f} s)"
            for name, seconds in prepared.seconds.items()
        )
        + "."
    )
    # A database or a large file: the report is made from the pages' customer sample.
    engine.say_sample(ds, "The report's figures are")
    sections = [s.title for s in prepared.sections if not s.skipped]
    skipped = [f"{s.title}: {s.note}" for s in prepared.sections if s.skipped]
    status.update(
        label=f"Report ready: {len(sections)} sections, {len(prepared.sheets)} sheets",
        state="complete",
    )

# The files themselves (charts drawn as pictures, the PDF printed, the workbook written) are
# made when they are asked for: on a click on their button, or when the preview is opened;
# each is kept per dataset, so a second click (or another visitor with the same data) costs
# nothing.
REPORT_KEY = f"{ds.key}:{ds.label}:{ds.currency}"


def html() -> str:
    """Return the HTML report, drawn once per dataset."""
    return keyed(report.report_html, REPORT_KEY, prepared)


def _printed() -> bytes:
    """Return the PDF of the HTML report (RuntimeError when Chromium could not print it)."""
    document = report.report_pdf(html())
    if document is None:  # not kept: the next click tries again
        raise RuntimeError("The PDF could not be made this time; use the HTML report instead.")
    return document


def pdf() -> bytes:
    """Return the PDF of the HTML report, printed by Chromium once per dataset."""
    return keyed(_printed, REPORT_KEY)


def workbook() -> bytes:
    """Return the Excel workbook, written once per dataset."""
    return keyed(report.report_workbook, REPORT_KEY, prepared)


stamp = dt.date.today().isoformat()
c1, c2, c3 = st.columns(3)
c1.download_button(
    "Download report (HTML)",
    data=lambda: html().encode("utf-8"),
    file_name=private_file_name(f"customer_report_{stamp}.html"),
    mime="text/html",
    key="report_download_html",
    icon=":material/download:",
    on_click="ignore",
    width="stretch",
)
if report.chromium_path() is not None:
    c2.download_button(
        "Download report (PDF)",
        data=pdf,
        file_name=private_file_name(f"customer_report_{stamp}.pdf"),
        mime="application/pdf",
        key="report_download_pdf",
        icon=":material/picture_as_pdf:",
        on_click="ignore",
        width="stretch",
    )
else:
    c2.caption(
        "No PDF on this server: it has no Chromium browser to print with. Open the HTML "
        "report and use your browser's Print, then Save as PDF."
    )
c3.download_button(
    "Download workbook (Excel)",
    data=workbook,
    file_name=private_file_name(f"customer_workbook_{stamp}.xlsx"),
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    key="report_download_xlsx",
    icon=":material/table_view:",
    on_click="ignore",
    width="stretch",
)
st.caption("Each file is made when you click its button: the first click may take a few seconds.")

st.markdown("**In this report:** " + ", ".join(sections) + ".")
if skipped:
    st.markdown("**Not in this report:**\n" + "\n".join(f"- {line}" for line in skipped))
st.caption("Workbook sheets: " + ", ".join(prepared.sheets) + ".")
st.caption(
    "The files hold your customers' ids and figures: share them as carefully as the data itself."
)

if st.toggle("Show a preview of the report", key="report_preview"):
    slot = st.empty()  # a status while the charts are drawn (once per dataset), then nothing
    with slot.status("Drawing the report's charts for the preview…"):
        document = html()
    slot.empty()
    st.iframe(document, height=700, alt="Preview of the customer report")

explain(
    "the report",
    f"""
- Every section is computed with the same functions and the **default settings** of its page
  (monthly periods, {defaults.RFM_BINS.default} RFM scores with the standard segment rules, value
  over {defaults.VALUE_MONTHS} months discounted at {defaults.YEARLY_DISCOUNT:.0%} a year, churn
  within {defaults.CHURN_DAYS} days), up to the end of your data. Change a setting on a page to explore;
  the report stays comparable from one month to the next.
- The HTML report is a single file: its charts are drawn into it as pictures (SVG), so it
  needs no internet connection and no other file. Tables longer than {report.MAX_TABLE_ROWS}
  rows show their first rows; the workbook has them all.
- The PDF is the same page printed by a headless Chromium browser on this server, when it has
  one. Otherwise open the HTML report and use your browser's *Print*, then *Save as PDF*.
- In the workbook every text cell is stored as plain text, so a value like `=SUM(A1)` in your
  data is shown, never run as a formula.
""",
)
