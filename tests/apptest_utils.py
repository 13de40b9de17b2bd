"""Helpers to drive the app with Streamlit's AppTest, like a visitor would."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.paths import ROOT

APP = str(ROOT / "app.py")
TIMEOUT = 120


def new_app() -> AppTest:
    """A fresh simulated session of the whole app (entry point ``app.py``)."""
    return AppTest.from_file(APP, default_timeout=TIMEOUT)


def run_page(
    page: str,
    *,
    upload: tuple[str, bytes, str] | None = None,
    responses: tuple[str, bytes, str] | None = None,
    dataset: str | None = None,
    at: AppTest | None = None,
) -> AppTest:
    """Run the app, optionally pick an example or upload files, then open ``page``.

    Parameters
    ----------
    page : str
        Page file relative to the repo root, e.g. ``"app_pages/rfm.py"``.
    upload, responses : (filename, bytes, mime type), optional
        Files to put in the sidebar's transactions and survey uploaders.
    dataset : str, optional
        Key of an example dataset (see ``ui.data.EXAMPLES``).
    """
    at = new_app() if at is None else at
    at.run()
    if dataset is not None:
        at.selectbox(key="dataset").set_value(dataset)
        at.run()
    # Both uploaders are filled before one run: AppTest does not keep the sidebar of the
    # entry script in its element tree after a rerun that changed the page's data.
    if upload is not None:
        at.file_uploader(key="upload_tx").set_value(upload)
    if responses is not None:
        at.file_uploader(key="upload_responses").set_value(responses)
    if upload is not None or responses is not None:
        at.run()
    at.switch_page(page)
    at.run()
    return at


def texts(at: AppTest) -> str:
    """All markdown, captions, info/warning/error/success texts on the page, joined."""
    parts = []
    for kind in (
        "markdown",
        "caption",
        "info",
        "warning",
        "error",
        "success",
        "title",
        "header",
        "subheader",
    ):
        parts.extend(str(e.value) for e in getattr(at, kind))
    return "\n".join(parts)


def frame_with(at: AppTest, column: str):
    """The first table on the page that has ``column``."""
    return next(df.value for df in at.dataframe if column in df.value.columns)
