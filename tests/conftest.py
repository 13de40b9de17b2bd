"""Test-wide setup."""

import pytest
from streamlit.runtime.pages_manager import PagesManager

_original_init = PagesManager.__init__


def _init_without_legacy_pages_folder(self, *args, **kwargs):
    _original_init(self, *args, **kwargs)
    # AppTest resets Streamlit's legacy "pages folder" flag before every run, and with a pages/
    # folder beside app.py that flag would make every switched-to page run on its own, without
    # app.py. A real server leaves that mode at its first st.navigation call (and ui.page.guard
    # covers the moment before), so the page tests run the app the way visitors get it.
    PagesManager.uses_pages_directory = False


@pytest.fixture(autouse=True, scope="session")
def _apptest_like_a_served_app():
    PagesManager.__init__ = _init_without_legacy_pages_folder
    yield
    PagesManager.__init__ = _original_init


@pytest.fixture
def downloads(monkeypatch):
    """Capture the bytes behind every download button of an AppTest run, by file name."""
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    captured: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def spy(self, path_or_data, mimetype, kind, filename=None):
        if filename is not None and isinstance(path_or_data, bytes):
            captured[filename] = path_or_data
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", spy)
    return captured
