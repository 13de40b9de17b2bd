"""The error types every part of :mod:`analysis` raises and every page may catch.

- :class:`DataError`: a file or table that cannot be read or used at all; its message is
  written for the person who gave it (file, column and row named in plain words).
- :class:`NotEnoughData`: the data can be read, but there is too little of it (or it has the
  wrong shape) for this analysis; the message says what is missing. Pages show it as a
  plain note, never as an error.
- :class:`NotFittedError`: a model was used before ``fit``.
"""

from __future__ import annotations

__all__ = ["DataError", "NotEnoughData", "NotFittedError"]


class DataError(ValueError):
    """A file (or table) that cannot be read or used at all.

    The message is meant for the person who uploaded the file: it names the file and, where
    known, the row and column, in plain words.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message[:1].upper() + message[1:])


class NotEnoughData(ValueError):
    """Too little data, or data of the wrong shape, for one analysis.

    A ``ValueError``, so callers that caught ``ValueError`` keep working; the message is a
    plain sentence a page can show as is ("Nobody has bought twice yet, ...").
    """


class NotFittedError(ValueError, RuntimeError):
    """A model was used before ``fit`` (a ``ValueError`` and a ``RuntimeError``)."""
