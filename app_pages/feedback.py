"""Customer feedback: NPS, CSAT and CES with honest intervals, comment themes, behaviour."""

import streamlit as st

from analysis import feedback as fb
from analysis.charts import feedback as cf
from analysis.core import defaults
from analysis.core.text import money_format
from ui.cache import Progress, chart, compute
from ui.components import EXPLAINED_ERRORS, download_buttons, empty_state, explain, what_this_says
from ui.data import current_dataset, page_title
from ui.share import linked
from ui.text import inert

EXPLANATION = """
**Net Promoter Score (NPS).** People answer "How likely are you to recommend us to a friend or
colleague?" from 0 to 10. Those who answer 9 or 10 are *promoters*, 7 or 8 *passives*, 0 to 6
*detractors*. NPS = % promoters - % detractors, so it runs from -100 (everyone a detractor) to
+100 (everyone a promoter). Passives count in the total but in neither group.

**CSAT (customer satisfaction).** The share of people who answer 4 or 5 on a 1-5 satisfaction
scale. **CES (customer effort score).** The average answer on a 1-7 scale where 7 means "very
easy to deal with"; higher is better.

**What the interval means.** Your answers are a sample of your customers. The 95% interval is
the range the score of *all* your customers probably lies in: if you ran the same survey many
times, about 95 in 100 such intervals would contain the true score. For NPS we use the
adjusted-Wald interval (Rocks 2016), which stays reliable with few answers; CSAT uses the
Wilson interval and CES a t interval.

**Why n matters.** With 20 answers an NPS of +25 could really be anywhere from about -12 to
+55; with 2,000 answers the range shrinks to a few points. So a change of 10 points between
two months of 30 answers each is usually noise. We mark a change or a group difference as
*beyond chance* only when a z test gives p < 0.05 (a difference that large would turn up less
than 1 time in 20 if nothing had really changed). Groups with fewer than 30 answers are
flagged as small: read them as hints, not findings.

**Themes** are found by software in the free-text comments (TF-IDF and non-negative matrix
factorisation): each comment is split into clauses, and clauses that use the same words form a
theme, named by its most typical words. A comment can mention several themes. **Distinctive
words** compare how often detractors and promoters use each word or two-word phrase
(weighted log-odds with an informative prior, Monroe et al. 2008), so a word said twice does
not top the list.
"""

page_title("Customer feedback")
ds = current_dataset()
if ds is None:
    empty_state("Pick an example dataset in the sidebar or upload your files.")
    st.stop()
for err in ds.errors:
    st.error(inert(err), icon=":material/error:")

responses = ds.responses
if responses is None or len(responses) == 0:
    if ds.tx is not None:
        st.info(
            "Your transactions are loaded, but this page reads **survey responses**: a file "
            "with one row per answer and a 0-10 'How likely are you to recommend us?' score "
            "(plus, if you have them, the date, a customer id, a comment, a 1-5 satisfaction "
            "and a 1-7 effort score). Add it under 'Use your own data' in the sidebar. With a "
            "customer id that matches your transactions, this page also shows whether "
            "promoters really buy more than detractors.",
            icon=":material/upload_file:",
        )
    else:
        st.info(
            "This page needs a survey-responses file with a 0-10 'How likely are you to "
            "recommend us?' score. Upload it under 'Use your own data' in the sidebar, or pick "
            "the 'Online shop (generated)' example, which has one.",
            icon=":material/upload_file:",
        )
    explain("NPS, CSAT and CES", EXPLANATION)
    st.stop()

st.caption(f"Data: **{inert(ds.label)}**")
progress = Progress("Working out the survey results", total=8)
ov = compute(fb.feedback_overview, ds, data="responses")
if ov.nps is None:
    empty_state("None of the responses has a 0-10 score, so there is nothing to show yet.")
    progress.done()
    st.stop()
nps = ov.nps
if ov.first_date is not None:
    st.caption(
        f"{ov.n_responses:,} responses from {ov.first_date:%d %b %Y} to {ov.last_date:%d %b %Y}."
    )

# --- Headline -------------------------------------------------------------------------------
cols = st.columns(3)
cols[0].metric(
    "Net Promoter Score",
    f"{nps.nps:+.0f}",
    help="% promoters (9-10) minus % detractors (0-6), from -100 to +100.",
)
cols[0].markdown(
    f"95% interval **{nps.ci_low:+.0f} to {nps.ci_high:+.0f}** · n = {nps.n:,} answers"
)
if ov.csat is not None:
    cols[1].metric(
        "CSAT (satisfied)",
        f"{ov.csat.share:.0%}",
        help="Share of 4 and 5 answers on the 1-5 satisfaction scale.",
    )
    cols[1].markdown(
        f"95% interval **{ov.csat.ci_low:.0%} to {ov.csat.ci_high:.0%}** · n = {ov.csat.n:,}"
    )
if ov.ces is not None:
    cols[2].metric(
        "CES (ease, 1-7)",
        f"{ov.ces.mean:.2f}",
        help="Average answer on the 1-7 effort scale; 7 means very easy to deal with.",
    )
    ces_ci = (
        f"95% interval **{ov.ces.ci_low:.2f} to {ov.ces.ci_high:.2f}**"
        if ov.ces.n > 1
        else "one answer, no interval"
    )
    cols[2].markdown(f"{ces_ci} · n = {ov.ces.n:,}")
what_this_says(fb.nps_sentence(nps))

left, right = st.columns(2)
chart(left, cf.nps_split_chart, ov.score_counts, width="stretch")
chart(right, cf.score_histogram, ov.score_counts, width="stretch")
if ov.csat is not None or ov.ces is not None:
    left, right = st.columns(2)
    if ov.csat is not None:
        chart(
            left,
            cf.scale_chart,
            ov.csat.counts,
            title="Satisfaction (1-5)",
            good_from=4,
            width="stretch",
        )
    if ov.ces is not None:
        chart(
            right,
            cf.scale_chart,
            ov.ces.counts,
            title="Effort (1 = very hard, 7 = very easy)",
            good_from=5,
            width="stretch",
        )

# --- Trend ----------------------------------------------------------------------------------
st.subheader("NPS over time")


@st.fragment
def trend_view() -> None:
    """Show the NPS trend; its period control reruns this part alone."""
    freq = linked(
        st.segmented_control,
        "Period",
        options=list(defaults.TREND_PERIOD.options),
        format_func={"W": "Week", "M": "Month", "Q": "Quarter"}.get,
        default=defaults.TREND_PERIOD.default,
        key="feedback_freq",
        help=defaults.TREND_PERIOD.help,
    )
    try:
        trend = compute(
            fb.nps_trend, ds, data="responses", freq=freq or defaults.TREND_PERIOD.default
        )
    except EXPLAINED_ERRORS as exc:
        empty_state(f"{exc} Add a date column to follow the score over time.")
    else:
        chart(st, cf.nps_trend_chart, trend, width="stretch")
        st.caption(
            "The shaded band is the likely range (95% interval); diamonds mark periods whose NPS "
            "rose (green) or fell (red) from the period before by more than chance would explain "
            "(p < 0.05); faded dots have fewer than 30 answers."
        )
        what_this_says(fb.trend_sentence(trend))


trend_view()

# --- Breakdown ------------------------------------------------------------------------------
attributes = compute(fb.attribute_columns, ds, data="responses")
st.subheader("Breakdown")


@st.fragment
def breakdown_view() -> None:
    """Show the scores by a column picked; the pick reruns this part alone."""
    if attributes:
        # Not bound to the address: the options are column names from the visitor's file, and a
        # shared link must never carry anything from it.
        by = st.selectbox("Break the NPS down by", attributes, key="feedback_by")
        table = compute(fb.nps_by, ds, data="responses", by=by)
        chart(st, cf.nps_breakdown_chart, table, by, overall=nps.nps, width="stretch")
        what_this_says(fb.breakdown_sentence(table, by))
        st.dataframe(
            table,
            column_order=[
                "n",
                "nps",
                "ci_low",
                "ci_high",
                "share_promoters",
                "share_detractors",
                "diff_vs_rest",
                "p_value",
                "significant",
                "small",
            ],
            column_config={
                "n": st.column_config.NumberColumn("Answers", format="%d"),
                "nps": st.column_config.NumberColumn("NPS", format="%+.1f"),
                "ci_low": st.column_config.NumberColumn("95% from", format="%+.1f"),
                "ci_high": st.column_config.NumberColumn("95% to", format="%+.1f"),
                "share_promoters": st.column_config.NumberColumn("Promoters", format="percent"),
                "share_detractors": st.column_config.NumberColumn("Detractors", format="percent"),
                "diff_vs_rest": st.column_config.NumberColumn("vs the rest", format="%+.1f"),
                "p_value": st.column_config.NumberColumn(
                    "Chance it is luck (p-value)", format="%.3f"
                ),
                "significant": st.column_config.CheckboxColumn("Beyond chance"),
                "small": st.column_config.CheckboxColumn("Small (< 30)"),
            },
        )
    else:
        st.caption(
            "Add a column such as plan, region or channel to your survey file to compare groups."
        )


breakdown_view()

# --- Themes ---------------------------------------------------------------------------------
st.subheader("What people talk about")
n_choice = st.selectbox(
    "Number of themes",
    ["Automatic", 3, 4, 5, 6, 7, 8, 9, 10],
    key="feedback_themes",
    bind="query-params",
    help="Automatic splits the comments as finely as the data supports (3 to 10 themes).",
)
themes = compute(
    fb.theme_analysis,
    ds,
    data="responses",
    n_themes=None if n_choice == "Automatic" else int(n_choice),
)
if themes.table.empty:
    empty_state(themes.message or "No themes found in the comments.")
else:
    st.caption(f"From {themes.n_comments:,} non-empty comments.")
    what_this_says(fb.themes_sentence(themes.table))
    chart(st, cf.themes_chart, themes.table, width="stretch")
    st.dataframe(
        themes.table,
        hide_index=True,
        column_order=["theme", "responses", "nps", "ci_low", "ci_high", "top_terms", "examples"],
        column_config={
            "theme": st.column_config.TextColumn("Theme"),
            "responses": st.column_config.NumberColumn("Comments", format="%d"),
            "nps": st.column_config.NumberColumn("NPS", format="%+.1f"),
            "ci_low": st.column_config.NumberColumn("95% from", format="%+.1f"),
            "ci_high": st.column_config.NumberColumn("95% to", format="%+.1f"),
            "top_terms": st.column_config.TextColumn("Top words"),
            "examples": st.column_config.TextColumn("Example comments", width="large"),
        },
    )
    terms = compute(fb.distinctive_terms, ds, data="responses")
    if len(terms):
        chart(st, cf.distinctive_terms_chart, terms, width="stretch")
        st.caption(
            "Bars to the right: words and phrases detractors use far more than promoters; "
            "to the left: the reverse. Longer bars are clearer differences (z-score: above 2 is "
            "unlikely to be chance)."
        )

# --- Behaviour ------------------------------------------------------------------------------
st.subheader("Does it show in behaviour?")


@st.fragment
def behaviour_view() -> None:
    """Compare what respondents bought after answering; the window reruns this part only."""
    if ds.tx is None or len(ds.tx) == 0:
        empty_state(
            "Add your transactions file (sidebar, 'Use your own data') to see whether promoters "
            "really buy more than detractors after answering. The survey needs a customer id "
            "column that matches the one in the transactions."
        )
    elif "customer_id" not in responses.columns:
        empty_state(
            "Your survey has no customer id column, so answers cannot be linked to purchases. "
            "Add the customer id to the export (the same one as in your transactions)."
        )
    else:
        days = linked(
            st.segmented_control,
            defaults.FEEDBACK_WINDOW.label,
            options=list(defaults.FEEDBACK_WINDOW.options),
            format_func=lambda d: f"{d} days",
            default=defaults.FEEDBACK_WINDOW.default,
            key="feedback_days",
            help=defaults.FEEDBACK_WINDOW.help,
        )
        days = int(days or defaults.FEEDBACK_WINDOW.default)
        beh = compute(fb.behaviour_from_tables, ds, data="both", days=days)
        st.caption(
            f"{beh.n_with_id:,} responses have a customer id; {beh.n_matched:,} match a customer "
            f"in the transactions and {beh.n_unmatched:,} do not. {beh.n_incomplete:,} matched "
            f"responses are too recent (or undated) for a full {beh.days}-day window and are left "
            "out of the comparison."
        )
        if beh.n_unmatched:
            st.warning(
                f"{beh.n_unmatched:,} responses have a customer id that is not in the transactions "
                f"(for example: {', '.join(inert(x) for x in beh.unmatched_examples[:5])}). Check that "
                "both files "
                "use the same ids.",
                icon=":material/link_off:",
            )
        if beh.by_category.empty:
            empty_state(beh.message or "No responses could be linked to purchases.")
        else:
            what_this_says(fb.behaviour_sentence(beh))
            left, right = st.columns(2)
            chart(left, cf.behaviour_chart, beh.by_category, "rate", days=beh.days, width="stretch")
            chart(
                right, cf.behaviour_chart, beh.by_category, "spend", days=beh.days, width="stretch"
            )
            st.dataframe(
                beh.comparisons,
                hide_index=True,
                column_config={
                    "a": "Group",
                    "b": "compared with",
                    "rate_diff": st.column_config.NumberColumn(
                        "Bought again: difference", format="percent"
                    ),
                    "rate_ci_low": st.column_config.NumberColumn("95% from", format="percent"),
                    "rate_ci_high": st.column_config.NumberColumn("95% to", format="percent"),
                    "rate_p_value": st.column_config.NumberColumn(
                        "Chance it is luck (p-value)", format="%.3f"
                    ),
                    "spend_diff": st.column_config.NumberColumn(
                        "Spend: difference", format=money_format(ds.currency)
                    ),
                    "spend_ci_low": st.column_config.NumberColumn(
                        "95% from ", format=money_format(ds.currency)
                    ),
                    "spend_ci_high": st.column_config.NumberColumn(
                        "95% to ", format=money_format(ds.currency)
                    ),
                    "spend_p_value": st.column_config.NumberColumn(
                        "Chance it is luck (p-value) ", format="%.3f"
                    ),
                },
            )
            st.caption(
                "Spend is the net value of all orders in the window (refunds subtract), in the "
                "currency of your file. Orders on the day of the answer are not counted."
            )
        if beh.by_segment is not None and len(beh.by_segment):
            st.markdown("**NPS by RFM segment** (each customer's segment at the end of the data)")
            chart(
                st,
                cf.nps_breakdown_chart,
                beh.by_segment,
                "RFM segment",
                overall=nps.nps,
                width="stretch",
            )
            what_this_says(fb.breakdown_sentence(beh.by_segment, "RFM segment"))
        elif beh.message and not beh.by_category.empty:
            st.caption(inert(beh.message))


behaviour_view()

progress.done()

# --- Follow-up list -------------------------------------------------------------------------
st.subheader("Detractors to call back")


FOLLOWUP_PERIODS = {
    "7d": "the last 7 days",
    "30d": "the last 30 days",
    "90d": "the last 90 days",
    "all": "all time",
}


@st.fragment
def followup_view() -> None:
    """List the detractors to call back; the period control reruns this list only."""
    period = linked(
        st.selectbox,
        "Answers from",
        options=["7d", "30d", "90d", "all"],
        format_func=FOLLOWUP_PERIODS.get,
        key="feedback_followup_period",
        default="30d",
    )
    last_days = None if period == "all" else int(str(period).removesuffix("d"))
    followup = compute(fb.detractor_followup, ds, data="responses", last_days=last_days)
    if len(followup) == 0:
        empty_state(f"No detractors in {period}.")
    else:
        st.caption(
            f"{len(followup):,} detractors (score 0-6) in {period} of the survey, newest first. "
            "Download the list to share it with whoever calls them back."
        )
        st.dataframe(followup, hide_index=True)
        download_buttons(followup, "detractors_follow_up", key="feedback_followup")


followup_view()

explain("NPS, CSAT and CES", EXPLANATION)
