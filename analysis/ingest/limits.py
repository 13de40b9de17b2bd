"""Size limits of one file or table (bytes, rows, columns, cells), checked before it is built."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_MAX_BYTES = 200 * 1024 * 1024
"""Largest file accepted as stored on disk or uploaded (200 MB)."""

DEFAULT_MAX_EXPANDED_BYTES = 1024 * 1024 * 1024
"""Largest size a compressed file (gzip, or the zip inside .xlsx/.ods) may unpack to (1 GB)."""

DEFAULT_MAX_ROWS = 2_000_000
"""Most data rows read from one file or sheet (text files: physical lines below the header).

The Online Retail file (541,909 lines) fits almost four times; Excel itself stops at 1,048,576.
"""

DEFAULT_MAX_COLUMNS = 1_000
"""Most columns read from one file or sheet (a workbook: up to its farthest filled column)."""

DEFAULT_MAX_CELLS = 20_000_000
"""Most cells (rows x columns of the table's rectangle) read from one file or sheet.

Twenty million cells of text take a few hundred MB once in pandas; Online Retail has 4.3 million.
"""


@dataclass(frozen=True)
class _Limits:
    """Size limits of one table: data rows, columns, cells (rows x columns)."""

    rows: int = DEFAULT_MAX_ROWS
    columns: int = DEFAULT_MAX_COLUMNS
    cells: int = DEFAULT_MAX_CELLS

    def text(self) -> str:
        return (
            f"at most {self.rows:,} rows, {self.columns:,} columns and {self.cells:,} cells "
            "(rows x columns)"
        )


_TITLE_LINES = 1_000  # lines allowed above the header (titles, notes) besides max_rows


_SPARSE_MIN_CELLS = 1_000_000  # a used range this big must be filled at least 1 cell in ...
_SPARSE_FACTOR = 20  # ... 20: else it is a stray far cell or a repeat bomb, not a table


def _too_big(rows: int, cols: int, limits: _Limits, written: int | None = None) -> bool:
    """Over the limits, or (``written`` = cells actually in the file) mostly empty or repeats."""
    area = rows * cols
    if rows > limits.rows + _TITLE_LINES or cols > limits.columns or area > limits.cells:
        return True
    return written is not None and area > max(_SPARSE_MIN_CELLS, _SPARSE_FACTOR * written)
