"""Customer Focus: entry point. Run with ``streamlit run app.py``.

It sets up the page, draws the shared data picker in the sidebar and hands over to the page
the visitor chose (``st.navigation`` over the files in ``pages/``).
"""

import streamlit as st

from ui.data import source_picker

st.set_page_config(
    page_title="Customer Focus",
    page_icon=":material/insights:",
    layout="wide",
    initial_sidebar_state="expanded",
)

PAGES = {
    "Start here": [
        st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
        st.Page("pages/data.py", title="Your data", icon=":material/table_view:"),
    ],
}

page = st.navigation(PAGES)
with st.sidebar:
    source_picker()
page.run()
