"""Customer value: what each customer is worth, who is about to leave, and how sure we are."""

import math

import streamlit as st

from analysis import churn, clv, reconcile, rfm
from analysis.charts import value as charts_value
from analysis.core import defaults
from analysis.core.text import money, money_format
from ui import engine
from ui.cache import chart, compute, derived
from ui.components import EXPLAINED_ERRORS, download_buttons, empty_state, explain, what_this_says
from ui.data import require_transactions
from ui.model_choice import COMPARISON_HELP, MODELS_HELP, best_purchase_model, comparison_table
from ui.share import linked
from ui.text import inert

ds = require_transactions(title="Customer value")
MONEY = money_format(ds.currency)  # money columns: thousands separators and the currency
st.caption(
    f"Data: **{inert(ds.label)}**. How many purchases and how much revenue to expect from the "
    "customers you already have, what each of them is worth, and who is about to stop buying. "
    "Amounts are in the currency of your file."
)

# ------------------------------------------------------------------------------ controls
c1, c2, c3, c4 = st.columns([1, 1, 1.1, 1])  # the churn horizons fit on one row at 1280 px
months = c1.select_slider(
    defaults.VALUE_HORIZON.label,
    options=list(defaults.VALUE_HORIZON.options),
    value=defaults.VALUE_MONTHS,
    key="value_months",
    bind="query-params",
    help=defaults.VALUE_HORIZON.help,
)
yearly_rate = c2.number_input(
    defaults.DISCOUNT_RATE.label,
    min_value=0.0,
    max_value=50.0,
    value=defaults.DISCOUNT_RATE.default,
    step=1.0,
    key="value_discount",
    bind="query-params",
    help=defaults.DISCOUNT_RATE.help,
)
churn_days = c3.segmented_control(
    defaults.CHURN_HORIZON.label,
    options=list(defaults.CHURN_HORIZON.options),
    default=defaults.CHURN_DAYS,
    key="value_churn_days",
    bind="query-params",
    help=defaults.CHURN_HORIZON.help,
    wrap=True,  # onto a second row rather than scrolled out of sight in its column
)
churn_days = int(churn_days or defaults.CHURN_DAYS)
time_unit = linked(
    c4.radio,
    defaults.VALUE_TIME_UNIT.label,
    options=list(defaults.VALUE_TIME_UNIT.options),
    format_func=lambda u: {"W": "Weeks", "D": "Days"}[u],
    horizontal=True,
    key="value_time_unit",
    default=list(defaults.VALUE_TIME_UNIT.options)[0],
    help=defaults.VALUE_TIME_UNIT.help,
)
monthly_rate = defaults.monthly_discount_rate(yearly_rate)
model_slot = st.container()  # "Model used for forecasts", once the comparison says which is best

# ------------------------------------------------------------------------------ models
churn_error = None
comparison_error = None
with st.status("Fitting the models…", expanded=False) as status:
    status.update(label="Comparing the purchase models on a held-back period…")
    try:
        comparison = engine.compute(clv.compare_models, ds)
    except EXPLAINED_ERRORS as exc:
        comparison = None
        comparison_error = str(exc)
    best = best_purchase_model(comparison)
    choice = linked(
        model_slot.segmented_control,
        "Model used for forecasts",
        options=["best", *clv.PURCHASE_MODELS],
        format_func=lambda k: (
            f"Best fit: {clv.MODEL_NAMES[best]}" if k == "best" else clv.MODEL_NAMES[k]
        ),
        default="best",
        key="value_model",  # = ui.model_choice.MODEL_KEY (a literal: tests/ui/test_share.py)
        help="The purchase model behind the forecasts, values and P(alive). Best fit: the "
        "model that predicted a held-back period best (see How good are these predictions?).",
    )
    model = best if choice in (None, "best") else choice
    status.update(
        label=f"Fitting the purchase ({clv.MODEL_NAMES[model]}) and spend (Gamma-Gamma) models…"
    )
    try:
        report = engine.compute(
            clv.value_report,
            ds,
            months=int(months),
            monthly_discount_rate=monthly_rate,
            time_unit=time_unit,
            model=model,
        )
    except EXPLAINED_ERRORS as exc:
        status.update(label="Could not fit the models", state="error")
        empty_state(str(exc))
        st.stop()
    status.update(label="Training the churn model and checking it on held-back customers…")
    try:
        risk = engine.compute(churn.churn_model, ds, horizon_days=churn_days)
    except EXPLAINED_ERRORS as exc:
        risk = None
        churn_error = str(exc)
    status.update(label="Models fitted", state="complete")

engine.say_where(ds, "The model comparison, the customer values and the churn risks are")
for warning in report.warnings:
    st.warning(inert(warning), icon=":material/warning:")
# On a connected source the report counts the whole table's customers, the reconciliation
# the sample's: the model's count is left out of it there.
model_customers = len(report.summary) if engine.connected_source(ds) is None else None
why_counts = compute(
    reconcile.count_reconciliation, ds, page="value", model_customers=model_customers
)
if why_counts:  # why Overview and RFM count other customers (analysis.reconcile)
    st.caption(" ".join(why_counts))


# ------------------------------------------------------------------------------ forecast
def money_range(low: float, high: float) -> str:
    """Return ``"€1,234 to €2,345"`` for a caption ("$" escaped), or clv's note on no range."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return clv.format_range(low, high)
    text = f"{money(low, ds.currency, decimals=0)} to {money(high, ds.currency, decimals=0)}"
    return text.replace("$", r"\$")


st.subheader("The next 3, 6 and 12 months")
forecast = report.forecast
if len(forecast):
    cols = st.columns(len(forecast))
    for col, row in zip(cols, forecast.itertuples(), strict=True):
        col.metric(
            f"Next {row.months} months: net revenue",
            money(row.expected_revenue, ds.currency, decimals=0),
            help="Expected revenue from the customers you have now (no new customers), "
            "undiscounted.",
        )
        col.caption(
            f"Likely {money_range(row.revenue_low, row.revenue_high)}; "
            f"about {row.expected_purchases:,.0f} purchases "
            f"({clv.format_range(row.purchases_low, row.purchases_high)})."
        )

    @st.fragment
    def forecast_view() -> None:
        """Show the forecast chart; its measure reruns this part alone."""
        measure = linked(
            st.segmented_control,
            "Show",
            options=["revenue", "purchases"],
            format_func=lambda m: {"revenue": "Net revenue", "purchases": "Purchases"}[m],
            default="revenue",
            key="value_forecast_measure",
        )
        chart(st, charts_value.forecast_chart, forecast, measure=measure or "revenue")

    left, right = st.columns([3, 2])
    with left:
        forecast_view()
    with right:
        st.markdown("**What this says**")
        what_this_says(derived(clv.value_insights, report, currency=ds.currency))
    st.caption(
        "Ranges are 90% intervals: they include the uncertainty of the fitted models, the "
        "randomness of purchases and the model's own error on held-back months (when it could "
        "be checked), not changes in your business (new campaigns, prices, seasons)."
    )
else:
    empty_state(
        "Too few customers bought more than once to estimate spend per purchase, so there are "
        "no money forecasts yet."
    )

customers = report.customers
has_value = "clv" in customers.columns

# ------------------------------------------------------------------------------ CLV
if has_value:
    st.subheader(f"What each customer is worth over {months} months")
    chart(
        st,
        charts_value.clv_distribution_chart,
        derived(clv.clv_histogram, customers),
        width="stretch",
    )
    st.markdown("**Top customers by expected value**")
    st.dataframe(
        derived(clv.top_customers, customers, n=10),
        hide_index=True,
        width="stretch",
        column_config={
            "Expected value (discounted)": st.column_config.NumberColumn(format=MONEY),
            "Expected revenue": st.column_config.NumberColumn(format=MONEY),
            "Average repeat purchase": st.column_config.NumberColumn(format=MONEY),
            "Probability still active": st.column_config.NumberColumn(format="percent"),
        },
    )
    st.caption(
        "Expected value: the purchases each customer is expected to make in the horizon times "
        f"their expected spend per purchase, discounted at {yearly_rate:.0f}% a year."
    )
    download_buttons(
        lambda: clv.top_customers(customers, n=len(customers)),
        "customer_value",
        key="value_download_all",
        label="Download every customer's value",
    )

# ------------------------------------------------------------------------------ P(alive)
st.subheader("Who is still a customer?")
left, right = st.columns([3, 2])
chart(left, charts_value.p_alive_heatmap, report.grid, time_unit=time_unit, width="stretch")
with right:
    what_this_says(
        [
            "Each cell is a kind of customer: how many times they came back (up) and how long "
            "after their first purchase they last bought (right = recently).",
            "Green: very likely still buying. Red: probably gone for good, even if they "
            "were once frequent buyers.",
            "A frequent buyer who has not been back for a long time is the clearest warning "
            "sign: their usual rhythm has stopped.",
        ]
    )
    segments = engine.compute(rfm.rfm_table, ds)["segment"]  # default RFM segments, as on RFM
    st.caption(
        derived(
            reconcile.stopped_vs_segments, customers["p_alive"], segments, customers["frequency"]
        )
    )

# ------------------------------------------------------------------------------ value x risk
st.subheader("Valuable customers at risk")
if risk is None:
    empty_state(f"No churn model for this data: {churn_error}")
elif not has_value:
    empty_state("Customer values are needed for this view, and there are none yet.")
else:

    @st.fragment
    def value_at_risk() -> None:
        """Show the valuable customers at risk; the two controls rerun this part alone."""
        c1, c2 = st.columns(2)
        top_share = linked(
            c1.segmented_control,
            "Valuable means the top",
            options=[10, 25, 50],
            format_func=lambda p: f"{p}%",
            default=25,
            key="value_top_share",
            help="Share of customers with the highest expected value that count as valuable.",
        )
        threshold = c2.slider(
            "At risk from a churn risk of",
            min_value=0.1,
            max_value=0.95,
            value=0.5,
            step=0.05,
            key="value_risk_threshold",
            bind="query-params",
            help=f"Churn risk: the chance of no purchase in the next {churn_days} days.",
        )
        table = derived(
            churn.value_and_risk,
            customers,
            risk.scores,
            value_quantile=1 - (top_share or 25) / 100,
            risk_threshold=float(threshold),
        )
        chart(st, charts_value.value_risk_scatter, table, width="stretch")
        actions = derived(churn.action_list, table, horizon_days=churn_days)
        st.markdown(
            f"**{len(actions):,} customers are valuable and at risk** (top right in red): worth a "
            "personal call, a thank-you or an offer before they drift away."
        )
        st.dataframe(
            actions.head(200),
            hide_index=True,
            width="stretch",
            column_config={
                "Expected value (discounted)": st.column_config.NumberColumn(format=MONEY),
                "Net revenue so far": st.column_config.NumberColumn(format=MONEY),
                f"Risk of no purchase in {churn_days} days": st.column_config.NumberColumn(
                    format="percent"
                ),
            },
        )
        download_buttons(
            actions, "valuable_at_risk", key="value_actions", label="Download the list"
        )

    value_at_risk()

# ------------------------------------------------------------------------------ quality
st.subheader("How good are these predictions?")
st.markdown("**Which purchase model fits your customers**")
if comparison is None or comparison.best is None:
    empty_state(
        "No model comparison for this data: "
        + (comparison_error or "no purchase model could be fitted on the earlier part of it.")
    )
else:
    st.dataframe(
        comparison_table(comparison, used=model),
        hide_index=True,
        width="stretch",
        column_config={
            "Predicted repeat purchases": st.column_config.NumberColumn(format="%,.0f"),
            "Actual repeat purchases": st.column_config.NumberColumn(format="%,.0f"),
            "Error of the total": st.column_config.NumberColumn(format="%+.1f%%"),
            "Average error per customer": st.column_config.NumberColumn(format="%.3f"),
            "Log-likelihood (calibration)": st.column_config.NumberColumn(format="%,.1f"),
            "BIC (calibration; lower is better)": st.column_config.NumberColumn(format="%,.1f"),
            "Fit time (s)": st.column_config.NumberColumn(format="%.2f"),
        },
    )
    what_this_says(clv.describe_model_comparison(comparison))
explain("which model fits your customers", COMPARISON_HELP)

holdout = report.holdout
if holdout is not None:
    st.markdown(
        f"**The purchase model ({clv.MODEL_NAMES[model]}), checked on a period it did not see**"
    )
    left, right = st.columns(2)
    chart(left, charts_value.holdout_frequency_chart, holdout.by_frequency, width="stretch")
    chart(right, charts_value.holdout_tracking_chart, holdout.tracking, width="stretch")
    m1, m2, m3 = st.columns(3)
    m1.metric("Predicted repeat purchases", f"{holdout.predicted_total:,.0f}")
    m2.metric("Actual repeat purchases", f"{holdout.actual_total:,.0f}")
    m3.metric(
        "Average error per customer",
        f"{holdout.mae:.2f}",
        help=f"Mean absolute error in purchases; root mean squared error {holdout.rmse:.2f}.",
    )
    what_this_says(clv.holdout_insights(holdout))
else:
    empty_state("The history is too short to hold back a period and check the purchase model.")

if risk is not None:
    st.markdown(f"**The churn model, checked on {risk.n_test:,} held-back customers**")
    what_this_says(risk.verdict)
    chart(st, charts_value.evaluation_chart, risk.evaluation, width="content")
    left, right = st.columns([3, 2])
    chart(left, charts_value.calibration_chart, risk.calibration, width="stretch")
    right.caption(
        f"Trained on the customers' behaviour up to {risk.cutoff:%d %b %Y} and checked against "
        f"whether they bought in the {churn_days} days after it. AUC: how often a customer who "
        "left is ranked above one who stayed (50% = coin toss). Calibration (the chart): when "
        "the model says 70%, about 70% should really leave, so points near the dashed line are "
        "good. BG/NBD 1 - P(alive) treats one-time buyers as safe, which is why it ranks badly."
    )
    st.markdown("**What drives churn risk**")
    left, right = st.columns([3, 2])
    chart(left, charts_value.importance_chart, risk.importance, width="stretch")
    with right:
        what_this_says(risk.drivers)

# ------------------------------------------------------------------------------ explain
bg_table = report.bg_params
gg_table = report.gg_params
unit_word = "week" if time_unit == "W" else "day"
fitted = ", ".join(f"{k} = {v:.3f}" for k, v in report.bg.params_.items())
explain(
    "the customer value models",
    f"""
**BG/NBD (how many purchases).** While a customer is active they buy at their own steady
rate, which differs from customer to customer. After every purchase there is a chance that
they quietly stop for good, and that chance differs between customers too. Nobody tells you
they left: the model infers it from the silence since their last purchase, given their usual
rhythm. The forecasts on this page use **{clv.MODEL_NAMES[model]}** (chosen above; the
purchase models are explained below). Its fitted parameters: {fitted} (r and alpha are
purchase rates, alpha per {unit_word}; the others describe leaving).

**P(alive)** is the probability that a customer is still active now. In BG/NBD a customer who
bought once is given the benefit of the doubt (P(alive) = 1), so rank churn on the churn model
or on the chance of no purchase instead; modified BG/NBD and Pareto/NBD do not assume this.

**Gamma-Gamma (how much per purchase).** Each customer has their own average purchase value;
single purchases vary around it. A customer with few purchases is pulled towards the average
of all customers. It assumes that how much someone spends does not depend on how often they
buy.

**Purchases** are counted per customer per calendar day (days whose net value is not negative),
as in the research this reproduces: on the CDNOW sample used in that research (fitted on
1997-01-01 to 1997-09-30, in weeks) this app gives the published parameters (r = 0.243,
alpha = 4.414, a = 0.793, b = 2.426).

**When not to trust the numbers:** fewer than about 100 repeat buyers, a history shorter than
a few purchase cycles, a business that changed a lot (new channels, big campaigns, strong
seasons), or a big gap in the check above. The models only know the customers you already
have: new customers are not in the forecasts.
""",
)
explain("the purchase models", MODELS_HELP)
with st.expander("Fitted parameters with their uncertainty", icon=":material/functions:"):
    st.dataframe(bg_table, hide_index=True, width="stretch")
    if gg_table is not None:
        st.dataframe(gg_table, hide_index=True, width="stretch")
