"""Cohort retention: of the customers who first bought in a period, how many came back, when."""

import math

import streamlit as st

from analysis import cohorts
from analysis.charts import cohorts as charts_cohorts
from analysis.core import defaults
from ui import engine
from ui.cache import Progress, chart, compute, derived
from ui.components import download_buttons, empty_state, explain, what_this_says
from ui.data import require_transactions
from ui.share import linked
from ui.text import inert

PERIOD_NAMES = {"W": "Weeks", "M": "Months", "Q": "Quarters"}
METRIC_NAMES = {
    "customers": "Customers who come back",
    "revenue": "Revenue against the first period",
    "revenue_per_customer": "Cumulative revenue per customer",
}
KIND_NAMES = {"classic": "In that period", "unbounded": "Then or later"}
BREAKDOWN_NAMES = {
    None: "No breakdown",
    "channel": "Channel of the first order",
    "country": "Country of the first order",
    "category": "Category of the first order",
}

ds = require_transactions(title="Cohort retention")
st.caption(
    f"Data: **{inert(ds.label)}**. Customers are grouped by when they first bought (their "
    "**cohort**). Do they come back one, two, six periods later, and do newer cohorts do "
    "better than older ones?"
)

# ------------------------------------------------------------------------------ controls
c1, c2, c3, c4 = st.columns([1, 1.4, 1, 1.2])
period = linked(
    c1.segmented_control,
    "Period",
    options=list(PERIOD_NAMES),
    format_func=PERIOD_NAMES.get,
    default=defaults.COHORT_PERIOD.default,
    key="cohorts_period",
    help=defaults.COHORT_PERIOD.help,
    wrap=True,  # onto a second row rather than scrolled out of sight in its column
)
period = period or defaults.COHORT_PERIOD.default
metric = linked(
    c2.selectbox,
    "Show",
    options=list(METRIC_NAMES),
    format_func=METRIC_NAMES.get,
    key="cohorts_metric",
    default=list(METRIC_NAMES)[0],
    help="Customers who come back: the share of a cohort buying in each later period. "
    "Revenue against the first period: the cohort's net revenue in each period as a share of "
    "its first period's. Cumulative revenue per customer: what a customer of the cohort has "
    "spent so far, net of refunds.",
)
kind = linked(
    c3.segmented_control,
    defaults.COHORT_KIND.label,
    options=list(KIND_NAMES),
    format_func=KIND_NAMES.get,
    default=defaults.COHORT_KIND.default,
    key="cohorts_kind",
    disabled=metric != "customers",
    help=defaults.COHORT_KIND.help,
    wrap=True,
)
classic = defaults.COHORT_KIND.default
kind = (kind or classic) if metric == "customers" else classic
progress = Progress("Working out the cohorts", total=4)
breakdowns = compute(cohorts.breakdown_columns, ds)
by = linked(
    c4.selectbox,
    "Break down by",
    options=[None, *breakdowns],
    format_func=lambda b: BREAKDOWN_NAMES.get(b, str(b).capitalize()),
    key="cohorts_by",
    default=None,
    disabled=not breakdowns,
    help="Split the cohorts by an attribute of each customer's first purchase order. Only "
    "columns your file has are offered.",
)

all_sizes = engine.compute(cohorts.cohort_sizes, ds, period=period)
if len(all_sizes) == 0:
    empty_state(
        "There are no purchases to form cohorts from: every order in the file nets to a refund."
    )
    progress.done()
    st.stop()

options = list(all_sizes.index)
cohort_range = None
if len(options) >= 2:
    first, last = st.select_slider(
        "Cohorts to include",
        options=options,
        value=(options[0], options[-1]),
        format_func=cohorts.period_label,
        key=f"cohorts_range_{period}",
        bind="query-params",
        help="Keep only the customers who first bought between these periods.",
    )
    if (first, last) != (options[0], options[-1]):
        cohort_range = (first.start_time.date(), last.start_time.date())
else:
    first = options[0]
max_at = max(1, (all_sizes.attrs["last_period"] - first).n)
unit = cohorts.PERIODS[period]
at = st.number_input(
    f"Compare cohorts this many {unit}s after their first",
    min_value=1,
    max_value=max_at,
    value=1,
    step=1,
    key="cohorts_at",
    bind="query-params",
    help="Used in 'What this says' to find the best and worst cohorts and the trend.",
)

report = engine.compute(
    cohorts.cohort_report,
    ds,
    period=period,
    metric=metric,
    kind=kind,
    by=by,
    cohort_range=cohort_range,
    at=int(at),
)

engine.say_where(ds, "The cohorts, their sizes and the retention figures are")
cols = st.columns(3)
cols[0].metric(
    "Customers in these cohorts",
    f"{report.n_customers:,}",
    help="Customers whose first purchase order falls in the cohorts shown.",
)
cols[1].metric("Cohorts", f"{report.n_cohorts:,}", help=f"{unit.capitalize()}s with new customers.")
overall = report.summary.overall
cols[2].metric(
    f"Bought again {int(at)} {unit}{'s' if at > 1 else ''} later",
    "n/a" if math.isnan(overall) else f"{overall:.0%}",
    help="Average over the cohorts old enough, weighted by their size; unfinished periods "
    "are left out." + (" Counts buying then or later." if kind == "unbounded" else ""),
)

st.subheader("What this says")
# The report's sentences again with the file's currency on the value-curve amounts
what_this_says(derived(cohorts.describe_cohort_report, report, currency=ds.currency))

# ------------------------------------------------------------------------------ heatmap
st.subheader("Cohort by cohort")
chart(st, charts_cohorts.heatmap, report.matrix, report.sizes, width="content")
st.caption(
    f"Each row is a cohort, each column the number of {unit}s since its first {unit}. Blank "
    f"cells cannot be seen yet: that {unit} has not started at the end of the data. A dashed "
    f"outline and * mark the {unit} that is not over yet, so its value is incomplete. The grey "
    "bars are the cohort sizes."
)

# ------------------------------------------------------------------------------ curves
st.subheader("Retention curves")
chart(
    st,
    charts_cohorts.curves_chart,
    report.matrix,
    report.curve,
    overall=report.overall_curve,
    width="stretch",
)
st.caption(
    "The thick line averages the cohorts old enough to have each point, weighting each by its "
    "size; the shaded band is its 95% interval. Unfinished periods are left out, so the end of "
    "a curve never drops just because the data stop."
)

st.subheader("Download the matrix")
download_buttons(
    cohorts.matrix_for_export(report.matrix, report.sizes),
    f"cohort_{metric}_{period}",
    key="cohorts_download",
)

progress.done()

explain(
    "cohort retention",
    f"""
- **Cohort**: the customers whose *first purchase order* fell in the same {unit}. An order's
  net value is the sum of its lines; a **purchase** order nets to zero or more, a **refund**
  order to less than zero. A customer with only refunds belongs to no cohort.
- **Active**: a customer is active in a {unit} if they placed at least one purchase order in
  it. A refund on its own does not count as coming back.
- **Columns**: {unit} 0 is the cohort's own {unit}, {unit} 1 the next, and so on, whatever
  the calendar month.
- **Classic retention** counts the customers who bought *in exactly that* {unit}; a customer can
  skip a {unit} and come back. **Unbounded (rolling) retention** counts those who bought in that
  {unit} *or any later one*: it can only fall from left to right and answers "have they left
  for good?". Near the end of the data it understates, because there is less "later" to see.
- **Revenue against the first period**: the cohort's net revenue (refunds included) in a
  {unit}, divided by its net revenue in {unit} 0. Amounts dated before a customer's first
  purchase {unit} (refunds of purchases made before the data start) are left out.
- **Cumulative revenue per customer**: all net revenue of the cohort so far, divided by the
  number of customers in it: the cohort's value curve.
- **Why blanks, not zeros**: a cell whose {unit} starts after the data end has not happened
  yet. Showing it as 0% would look like every customer left. The last {unit}, when the data
  stop before it ends, is real but incomplete, so it is marked and left out of the averages.
- **The average curve** pools the cohorts old enough for each point, so a big cohort counts
  more than a small one. Its 95% interval for shares is the Wilson interval; for revenue per
  customer it comes from the spread between customers, for revenue ratios from the spread
  between cohorts.
- **Best and worst cohorts** are compared with all the other cohorts by a two-proportion z
  test. Because they were picked for being extreme, the p-value is multiplied by the number of
  cohorts compared (Bonferroni), so a "beyond chance" verdict is a cautious one. "Recent
  against older" splits the cohorts that have the compared {unit} into an older and a newer
  half.
- **The first cohort** of any file also holds customers who had bought before the file
  begins; their loyalty usually makes that cohort look best.
""",
)
