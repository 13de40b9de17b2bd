"""Test-wide setup."""

import pytest


class _Downloads(dict):
    """File name -> bytes; a deferred download's bytes are made when first read, as on a click."""

    def __getitem__(self, name):
        value = super().__getitem__(name)
        if callable(value):
            value = value()
            if hasattr(value, "read"):
                value = value.read()
            if isinstance(value, str):
                value = value.encode("utf-8")
            super().__setitem__(name, value)
        return value

    def get(self, name, default=None):
        return self[name] if name in self else default

    def values(self):
        return [self[name] for name in self]

    def items(self):
        return [(name, self[name]) for name in self]


@pytest.fixture
def downloads(monkeypatch):
    """Capture the bytes behind every download button of an AppTest run, by file name.

    Buttons given bytes are captured when the page stores them; buttons given a callable
    (built only when clicked) are captured as that callable and run when the test reads them.
    ``deferred`` lists the file names of the latter.
    """
    from streamlit.runtime.media_file_manager import MediaFileManager
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    captured = _Downloads()
    captured.deferred = set()
    original = MemoryMediaFileStorage.load_and_get_id
    original_deferred = MediaFileManager.add_deferred

    def spy(self, path_or_data, mimetype, kind, filename=None):
        if filename is not None and isinstance(path_or_data, bytes):
            captured[filename] = path_or_data
        return original(self, path_or_data, mimetype, kind, filename)

    def spy_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        if file_name is not None:
            captured[file_name] = data_callable
            captured.deferred.add(file_name)
        return original_deferred(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", spy)
    monkeypatch.setattr(MediaFileManager, "add_deferred", spy_deferred)
    return captured
