"""Customer Focus: entry point. Run with ``streamlit run app.py``.

It sets up the page, draws the shared data picker in the sidebar and hands over to the page
the visitor chose (``st.navigation`` over the files in ``pages/``).
"""

from pathlib import Path

import streamlit as st

from ui import auth
from ui.data import source_picker

HERE = Path(__file__).parent

st.set_page_config(
    page_title="Customer Focus",
    page_icon=":material/insights:",
    layout="wide",
    initial_sidebar_state="expanded",
)

# (section, page file, title, icon); the first page is the default.
PAGE_TABLE = [
    ("Start here", "pages/overview.py", "Overview", ":material/dashboard:"),
    ("Start here", "pages/data.py", "Your data", ":material/table_view:"),
    ("Customers", "pages/rfm.py", "RFM segments", ":material/group:"),
    ("Customers", "pages/cohorts.py", "Cohort retention", ":material/grid_on:"),
    ("Customers", "pages/value.py", "Customer value", ":material/savings:"),
    ("Customers", "pages/feedback.py", "Customer feedback", ":material/reviews:"),
    ("Customers", "pages/patterns.py", "Purchase patterns", ":material/shopping_basket:"),
    ("Customers", "pages/profile.py", "Customer profile", ":material/person_search:"),
]

if not auth.is_authorised():
    # Only the sign-in page exists for this visitor until they are let in.
    st.navigation([st.Page(auth.login_page, title="Sign in")], position="hidden").run()
    st.stop()

pages: dict[str, list] = {}
for i, (section, path, title, icon) in enumerate(PAGE_TABLE):
    if (HERE / path).exists():
        pages.setdefault(section, []).append(st.Page(path, title=title, icon=icon, default=i == 0))

page = st.navigation(pages)
with st.sidebar:
    source_picker()
    auth.sign_out_button()
page.run()
