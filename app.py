"""Customer Focus: entry point. Run with ``streamlit run app.py``.

It sets up the page, draws the shared data picker in the sidebar and hands over to the page
the visitor chose (``st.navigation`` over the files in ``app_pages/``).
"""

from pathlib import Path

import streamlit as st

from ui import auth
from ui.data import source_picker
from ui.navigation import available_pages
from ui.share import name_values_not_understood, remember_link_values
from ui.warm import preload

# The tab icon is a file of our own: a ":material/..." icon would make every visitor's browser
# fetch it from Google's font servers.
ICON = Path(__file__).resolve().parent / "ui" / "icon.png"

st.set_page_config(
    page_title="Customer Focus",
    page_icon=str(ICON),
    layout="wide",
    # Open beside the page on a computer, closed on a phone (where it would cover the page).
    initial_sidebar_state="auto",
)
# A chart wider than its column (a long cohort heatmap, side-by-side panels on a phone) scrolls
# in its own box instead of making the whole page scroll sideways.
st.html("<style>[data-testid='stVegaLiteChart'] { max-width: 100%; overflow-x: auto; }</style>")

if not auth.is_authorised():
    # Only the sign-in page exists for this visitor until they are let in. It answers at every
    # page's address too, so a shared link asks for the password (no "page not found") and,
    # once signed in, opens the page it names.
    sign_in = [st.Page(auth.login_page, title="Sign in", default=True)] + [
        st.Page(auth.login_page, title="Sign in", url_path=Path(spec.path).stem)
        for spec in available_pages()
    ]
    st.navigation(sign_in, position="hidden").run()
    st.stop()

# Once per server process: load the app's code and keep it out of every later garbage collection.
preload()

pages: dict[str, list] = {}
for i, spec in enumerate(available_pages()):
    pages.setdefault(spec.section, []).append(
        st.Page(spec.path, title=spec.title, icon=spec.icon, default=i == 0)
    )

page = st.navigation(pages)
with st.sidebar:
    source_picker()
    auth.sign_out_button()
remember_link_values()
page.run()
name_values_not_understood()  # settings in the link the page's widgets did not take
