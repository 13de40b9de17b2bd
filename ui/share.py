"""'Share this view': a link that reopens the same page with the same settings, never the data.

Every setting widget on the pages is bound to the URL's query parameters
(``bind="query-params"``), so the address bar always describes the view. The link shown here is
that address. When the view was made from the visitor's own upload, the link carries
``data=upload`` so that whoever opens it is asked to upload their file (the data itself never
leaves the session).

A link never carries anything from the visitor's file: only settings whose values come from a
fixed list (or are numbers and dates) are bound to the address, and the link keeps only the
parameters named in :data:`SHARED_SETTINGS`; anything else in the address (say a parameter an
older version bound to a column name) is left out. A widget whose options come from the data
(a column-name select, a product picker) must not be bound; ``tests/test_share.py`` checks
every bound widget against this list.
"""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

UPLOAD_MARKER = ("data", "upload")

# Widget keys bound to the address (bind="query-params"); their values come from fixed lists,
# numbers or dates, never from the visitor's file.
SHARED_SETTINGS = frozenset(
    {
        "dataset",
        "overview_nvr_value",
        "rfm_as_of",
        "rfm_bins",
        "rfm_compare",
        "rfm_segment",
        "rfm_kmeans",
        "cohorts_period",
        "cohorts_metric",
        "cohorts_kind",
        "cohorts_by",
        "cohorts_at",
        "value_months",
        "value_discount",
        "value_churn_days",
        "value_time_unit",
        "value_forecast_measure",
        "value_top_share",
        "value_risk_threshold",
        "feedback_freq",
        "feedback_themes",
        "feedback_days",
        "feedback_followup_period",
        "patterns_level",
        "patterns_when_value",
        "patterns_rank",
        "patterns_rules_lift",
        "patterns_rules_confidence",
        "patterns_spend_by",
        "profile_segment",
    }
)
SHARED_PREFIXES = ("cohorts_range_",)  # one cohort range per period: cohorts_range_M, ...


def is_shared_setting(key: str) -> bool:
    """Whether the address parameter ``key`` may appear in a shared link."""
    return key in SHARED_SETTINGS or key.startswith(SHARED_PREFIXES)


def share_link(*, uploaded: bool) -> str:
    """The current page's address with its settings (:data:`SHARED_SETTINGS` only) as query
    parameters, plus ``data=upload`` when the view was made from an upload."""
    base = st.context.url or ""
    params = {k: st.query_params.get_all(k) for k in st.query_params if is_shared_setting(k)}
    if uploaded:
        params[UPLOAD_MARKER[0]] = [UPLOAD_MARKER[1]]
    query = urlencode(params, doseq=True)
    return f"{base}?{query}" if query else base


def share_control(*, uploaded: bool) -> None:
    """Sidebar popover with the link and what it does and does not contain."""
    with st.popover("Share this view", icon=":material/share:", width="stretch"):
        st.code(share_link(uploaded=uploaded), language=None, wrap_lines=True)
        st.caption(
            "This link opens this page with the same settings: example dataset, period, "
            "bins, metric, breakdown, horizon and filters. It never contains any data."
            + (
                " You are looking at your own file, so whoever opens the link is asked to "
                "upload their copy of it first."
                if uploaded
                else ""
            )
        )


def shared_from_upload() -> bool:
    """Whether this visit came from a link shared by someone who used their own file."""
    return st.query_params.get(UPLOAD_MARKER[0]) == UPLOAD_MARKER[1]
