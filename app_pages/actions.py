"""What to do now: the few lists of customers worth acting on this week, most money first."""

import pandas as pd
import streamlit as st

from analysis import actions, churn, clv
from analysis.core import defaults
from analysis.core.text import money, money_format
from ui import engine
from ui.cache import Progress, keyed
from ui.components import EXPLAINED_ERRORS, download_buttons, empty_state, explain
from ui.data import require_transactions
from ui.model_choice import best_purchase_model
from ui.text import inert

ROWS_SHOWN = 5  # rows shown on each card (all in the download)
# The Customer value page's default settings, so both pages share the cached model fits.
VALUE_SETTINGS = dict(defaults.VALUE_SETTINGS)
CHURN_DAYS = defaults.CHURN_DAYS

ICONS = {
    "at_risk": ":material/warning:",
    "second_order": ":material/replay:",
    "thank": ":material/favorite:",
    "detractors": ":material/call:",
    "refund": ":material/undo:",
}
PAGE_ICONS = {
    "app_pages/value.py": ":material/savings:",
    "app_pages/rfm.py": ":material/group:",
    "app_pages/cohorts.py": ":material/grid_on:",
    "app_pages/feedback.py": ":material/reviews:",
    "app_pages/profile.py": ":material/person_search:",
}
COLUMNS = {
    "customer_id": "Customer",
    "expected_value": st.column_config.NumberColumn(
        "Expected value",
        format="accounting",
        help="What the customer is expected to spend in the next 12 months, in today's money.",
    ),
    "churn_risk": st.column_config.NumberColumn("Chance of no order in 90 days", format="percent"),
    "segment": "Group",
    "purchases": st.column_config.NumberColumn("Orders", format="%d"),
    "days_since_last_purchase": st.column_config.NumberColumn("Days since last order"),
    "net_revenue": st.column_config.NumberColumn(
        "Spent so far", format="accounting", help="Net of refunds."
    ),
    "first_order": st.column_config.DateColumn("First order", format="D MMM YYYY"),
    "last_refund": st.column_config.DateColumn("Refund on", format="D MMM YYYY"),
    "days_since_refund": st.column_config.NumberColumn("Days since the refund"),
    "refunded": st.column_config.NumberColumn("Refunded", format="accounting"),
    "response_date": st.column_config.DatetimeColumn("Answered on", format="D MMM YYYY"),
    "score": st.column_config.NumberColumn("Score (0-10)", format="%d"),
    "comment": st.column_config.TextColumn("Comment", width="large"),
}


MONEY_COLUMNS = ("expected_value", "net_revenue", "refunded")


def _blank(col: pd.Series, currency: str | None = None) -> pd.Series:
    """Return a column as text, missing values blank (a few rows: a card's head).

    Money columns (:data:`MONEY_COLUMNS`) are written with ``currency``.
    """
    if pd.api.types.is_datetime64_any_dtype(col):
        text = col.dt.strftime("%-d %b %Y")
    elif pd.api.types.is_integer_dtype(col):
        text = col.map(lambda v: "" if pd.isna(v) else f"{int(v):,}")
    elif col.name in MONEY_COLUMNS:
        text = col.map(lambda v: "" if pd.isna(v) else money(v, currency))
    elif pd.api.types.is_numeric_dtype(col):
        text = col.map(lambda v: "" if pd.isna(v) else f"{v:,.2f}")
    else:
        text = col.astype("str")
    return text.astype("str").where(col.notna(), "")


ds = require_transactions(title="What to do now")
for _money in MONEY_COLUMNS:  # separators and the currency
    COLUMNS[_money]["type_config"]["format"] = money_format(ds.currency)
st.caption(
    f"Data: **{inert(ds.label)}**. The few lists of customers worth a personal message this "
    "week, the most money first. Each list says why these customers, what to do, and lets "
    "you download them with their contact details."
)

progress = Progress("Picking the customers to act on", total=4)
try:  # the purchase model Customer value uses by default: the best on a held-back period
    model = best_purchase_model(engine.compute(clv.compare_models, ds))
except EXPLAINED_ERRORS:
    model = best_purchase_model(None)
try:
    value = engine.compute(clv.value_report, ds, **VALUE_SETTINGS, model=model)
except EXPLAINED_ERRORS as exc:
    value = exc
try:
    risk = engine.compute(churn.churn_model, ds, horizon_days=CHURN_DAYS)
except EXPLAINED_ERRORS as exc:
    risk = exc
plan = keyed(
    actions.action_lists,
    f"{ds.key}:{sorted(VALUE_SETTINGS.items())}:{model}:{CHURN_DAYS}",
    ds.tx,
    ds.responses,
    value=value,
    risk=risk,
    horizon_days=CHURN_DAYS,
)
progress.done()
engine.say_where(ds, "The expected values and churn risks behind the first list are")
engine.say_sample(ds, "The lists are")

busy = [item for item in plan.lists if item.size]
cols = st.columns(3)
cols[0].metric("Lists to act on", f"{len(busy)} of {len(plan.lists)}")
cols[1].metric(
    "Customers on them",
    f"{pd.concat([i.customers['customer_id'] for i in busy]).nunique() if busy else 0:,}",
    help="Each customer counted once, even when they are on more than one list.",
)
cols[2].metric("Customers in your data", f"{plan.customers:,}", help="Customers with an order.")
st.dataframe(
    pd.DataFrame(
        {
            "List": [item.title for item in plan.lists],
            "Customers": [item.size for item in plan.lists],
            "Money at stake": [item.value_at_stake for item in plan.lists],
        }
    ),
    hide_index=True,
    width="stretch",
    column_config={
        "List": st.column_config.TextColumn("List", width="medium"),
        "Customers": st.column_config.NumberColumn("Customers", format="localized"),
        "Money at stake": st.column_config.NumberColumn(
            "Money at stake",
            format=money_format(ds.currency),
            help="What these customers have spent with you so far, net of refunds.",
        ),
    },
)
if not plan.contact_columns:
    st.caption(
        "Your file has no e-mail, phone or name column, so the downloads list customers by "
        "their id only."
    )

for item in plan.lists:
    with st.container(border=True):
        st.subheader(item.title, anchor=item.key)
        if item.size == 0:
            empty_state(item.empty_reason)
        else:
            left, right = st.columns(2)
            left.metric("Customers", f"{item.size:,}")
            right.metric(
                "Money at stake",
                money(item.value_at_stake, ds.currency),
                help="What these customers have spent with you so far, net of refunds, in "
                "the currency of your file.",
            )
            st.markdown(f"**Why these customers?** {item.why}")
            st.markdown(f"**What to do:** {item.action}")
            shown = item.customers.head(ROWS_SHOWN)
            if "churn_risk" in shown:  # whole percents: 54%, not 53.6%
                shown = shown.assign(churn_risk=shown["churn_risk"].round(2))
            for col in shown.columns[shown.isna().any().to_numpy()]:  # blank, never "None"
                shown = shown.assign(**{col: _blank(shown[col], ds.currency)})
            st.dataframe(
                shown,
                hide_index=True,
                width="stretch",
                column_config={c: COLUMNS.get(c) for c in item.customers.columns if c in COLUMNS},
            )
            if item.size > ROWS_SHOWN:
                st.caption(f"The first {ROWS_SHOWN} of {item.size:,}, most money first.")
            download_buttons(
                item.customers,
                f"to_do_{item.key}",
                key=f"actions_{item.key}",
                label="Download the list",
            )
        st.page_link(
            item.source_page,
            label=f"Where this comes from: {item.source_title}",
            icon=PAGE_ICONS.get(item.source_page, ":material/arrow_forward:"),
        )

for note in plan.notes:
    st.caption(note)

explain(
    "how these lists are made",
    f"""
Every list is made from the other pages' analyses, for the customers who ordered before
**{plan.as_of:%d %b %Y}**. "Money at stake" is the same measure on every list, so the lists
can be ordered by it: what the customers have spent with you so far, net of refunds.

- **Valuable customers at risk of leaving**: the customers in the top quarter by expected
  value who have at least an even chance of not ordering in the next {CHURN_DAYS} days, as on
  *Customer value* with its usual settings. When the data is too small or too short for those
  models, the RFM groups *At Risk* and *Can't Lose Them* instead (a note says so).
- **New customers to bring back**: exactly one order, placed in the last 90 days.
- **Loyal customers to thank**: the RFM groups *Champions* and *Loyal Customers*, apart from
  those on the at-risk list (they need a call, not a thank-you).
- **Unhappy customers to call back**: survey answers of 0 to 6 ("detractors") in the last
  90 days of the survey, the latest per customer, with their orders and contact details.
- **Customers who stopped buying after a refund**: their last order was a refund or return,
  30 days or more ago, and they have not bought since.

Contact details are the columns of your transactions file whose names say e-mail, phone,
name, company or address; each customer's most recent non-empty value is used. Apart from
the loyal and the at-risk lists, a customer can be on more than one list.
""",
)
