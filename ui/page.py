"""A guard every page calls first, so a page only ever runs inside ``app.py``.

Streamlit still understands the legacy "pages folder" layout: on a fresh server, until some
visitor's run has called ``st.navigation``, a request for ``/rfm`` would run ``pages/rfm.py``
on its own, skipping ``app.py`` and with it the sign-in gate and the data picker. ``app.py``
marks each run it starts; a page started without that mark sends the visitor to the app's start
page instead of rendering.
"""

from __future__ import annotations

import streamlit as st

_MARK = "_entered_through_app"


def mark_entry(value: bool) -> None:
    """Called by app.py around ``page.run()``."""
    st.session_state[_MARK] = value


def guard() -> None:
    """Stop and restart through app.py when this page was started on its own."""
    if not st.session_state.get(_MARK, False):
        st.switch_page("app.py")
