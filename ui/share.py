"""'Share this view': a link that reopens the same page with the same settings, never the data.

Every setting widget on the pages is bound to the URL's query parameters
(``bind="query-params"``), so the address bar always describes the view. The link shown here is
that address. When the view was made from the visitor's own upload, the link carries
``data=upload`` so that whoever opens it is asked to upload their file (the data itself never
leaves the session).
"""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

UPLOAD_MARKER = ("data", "upload")


def share_link(*, uploaded: bool) -> str:
    """The current page's address with its settings as query parameters."""
    base = st.context.url or ""
    params = {k: st.query_params.get_all(k) for k in st.query_params}
    params.pop(UPLOAD_MARKER[0], None)
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
