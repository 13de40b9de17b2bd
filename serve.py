"""Customer Focus for hosting: ``streamlit run serve.py`` (the Docker image does this).

The same app as ``streamlit run app.py``, served as a Streamlit ``st.App`` (ASGI) with one
middleware in front of Streamlit's own routes: :class:`HideInternals` answers 404 for
``/_stcore/metrics``. Streamlit serves that endpoint to anyone, without a sign-in and without a
setting to turn it off, and it shows upload, session and cache activity. Set the environment
variable ``CUSTOMER_FOCUS_METRICS=1`` to serve it anyway (e.g. for a monitoring scraper
behind your proxy).
"""

from __future__ import annotations

import os

import streamlit as st
from starlette.middleware import Middleware

HIDDEN_PATHS = ("/_stcore/metrics",)


class HideInternals:
    """ASGI middleware: 404 for :data:`HIDDEN_PATHS` (under any ``server.baseUrlPath``)."""

    def __init__(self, app, *, enabled: bool | None = None) -> None:
        self.app = app
        self.enabled = (
            os.environ.get("CUSTOMER_FOCUS_METRICS", "") != "1" if enabled is None else enabled
        )

    async def __call__(self, scope, receive, send) -> None:
        """Answer a hidden path with 404, pass every other request to the app."""
        path = scope.get("path", "").rstrip("/")
        if self.enabled and scope["type"] == "http" and path.endswith(HIDDEN_PATHS):
            await send(
                {
                    "type": "http.response.start",
                    "status": 404,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8")],
                }
            )
            await send({"type": "http.response.body", "body": b"Not found"})
            return
        await self.app(scope, receive, send)


app = st.App("app.py", middleware=[Middleware(HideInternals)])
