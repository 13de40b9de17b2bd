"""The one door through which data enters Customer Focus.

Three steps, each usable on its own (the app chains them, notebooks may too):

1. :func:`read_table` reads a file (CSV/TSV/whitespace text, gzip, .xlsx/.xlsm/.xlsb/.xls/.ods)
   into a DataFrame of text, exactly as written, indexed by the row number the user sees in
   their spreadsheet or text editor.
2. :func:`detect_columns` guesses which column plays which role ("customer_id", "order_date",
   "amount", ...) from the header names and the cell contents.
3. :func:`prepare_transactions` / :func:`prepare_responses` turn the text into the canonical
   tables (typed columns), set aside the rows that cannot be used (with the reason and the row
   number) and count what looks odd, for a data-health panel.

Files that cannot be read at all raise :class:`DataError` with a plain-language message that
names the file (and the row/column where known). Nothing here imports Streamlit.

Modules, in the order data goes through them: :mod:`~analysis.ingest.reading` (the file:
:mod:`~analysis.ingest.text_files`, :mod:`~analysis.ingest.quotes`,
:mod:`~analysis.ingest.workbooks`, :mod:`~analysis.ingest.used_range`,
:mod:`~analysis.ingest.header`, :mod:`~analysis.ingest.limits`, :mod:`~analysis.ingest.cells`),
:mod:`~analysis.ingest.parsing` (numbers and dates), :mod:`~analysis.ingest.detecting` and
:mod:`~analysis.ingest.header_words` (which column is what),
:mod:`~analysis.ingest.transactions`, :mod:`~analysis.ingest.responses` (sharing
:mod:`~analysis.ingest.preparing`) and :mod:`~analysis.ingest.doubts` (sanity checks), and
:mod:`~analysis.ingest.profiles` (known exports, recognised by their header).

Limits
------
``DEFAULT_MAX_BYTES`` (200 MB) caps the size of the file as stored (checked before parsing).
``DEFAULT_MAX_EXPANDED_BYTES`` (1 GB) caps what a compressed file unpacks to: gzip is unpacked
in a stream and stopped past the limit; for zip-based workbooks (.xlsx, .ods) the sizes that
the archive declares for its members are added up before the workbook is opened.

``DEFAULT_MAX_ROWS`` (2,000,000 rows), ``DEFAULT_MAX_COLUMNS`` (1,000) and ``DEFAULT_MAX_CELLS``
(20,000,000 = rows x columns) cap the table itself, after any unpacking, so that one file fits a
small host's memory. They are checked before the table is built: a gzip file is counted line
by line while it is unpacked; a text file's lines are counted and its header's width is known
before it is parsed; a workbook's sheet XML (the cell references and row numbers of .xlsx/.xlsm,
the repeated rows and columns of .ods) is scanned for the sheet's real used range before the
spreadsheet reader sees it, because that reader allocates the whole rectangle from A1 to the
farthest filled cell (one cell at XFD1048576 would need 17 billion cells); a used range of
over a million cells that is almost empty (filled under 1 in 20) is refused as well. Text files
count physical lines, so a quoted cell spanning several lines counts each of them.

Behind that pre-check, the spreadsheet reader itself (native code) runs in a worker process
with ``WORKBOOK_MEMORY_LIMIT`` (2 GB of address space) and ``WORKBOOK_TIME_LIMIT`` (300 s): if
it crashes or runs away, only the worker ends and the visitor gets a DataError
(``ISOLATE_WORKBOOKS = False`` reads in process). .xls and .xlsb have no pre-check (.xls
cannot exceed 65,536 x 256 cells); their size is checked after reading, inside those bounds.

These settings are read here for convenience; to change one, set it where it lives:
``analysis.ingest.workbooks.ISOLATE_WORKBOOKS`` (and ``WORKBOOK_MEMORY_LIMIT``,
``WORKBOOK_TIME_LIMIT``); the ``DEFAULT_MAX_*`` limits are the defaults of
:func:`read_table`'s arguments (:mod:`analysis.ingest.limits`).
"""

from __future__ import annotations

from analysis.core.columns import RESPONSE_ROLES, TRANSACTION_ROLES
from analysis.core.errors import DataError
from analysis.ingest.detecting import detect_columns
from analysis.ingest.limits import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_CELLS,
    DEFAULT_MAX_COLUMNS,
    DEFAULT_MAX_EXPANDED_BYTES,
    DEFAULT_MAX_ROWS,
)
from analysis.ingest.parsing import _parse_numbers as _parse_numbers
from analysis.ingest.preparing import Prepared
from analysis.ingest.preparing import _file_label as _file_label
from analysis.ingest.preparing import _rejection_summary as _rejection_summary
from analysis.ingest.preparing import _row_numbers as _row_numbers
from analysis.ingest.reading import read_table
from analysis.ingest.responses import SCALE_WORDS, prepare_responses
from analysis.ingest.transactions import prepare_transactions
from analysis.ingest.workbooks import ISOLATE_WORKBOOKS, WORKBOOK_MEMORY_LIMIT, WORKBOOK_TIME_LIMIT

# The ``_name as _name`` imports above are for profiles.py (the known exports), which reads those
# helpers from the package lazily, at call time.
__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_CELLS",
    "DEFAULT_MAX_COLUMNS",
    "DEFAULT_MAX_EXPANDED_BYTES",
    "DEFAULT_MAX_ROWS",
    "ISOLATE_WORKBOOKS",
    "RESPONSE_ROLES",
    "SCALE_WORDS",
    "TRANSACTION_ROLES",
    "DataError",
    "Prepared",
    "detect_columns",
    "prepare_responses",
    "prepare_transactions",
    "read_table",
    "WORKBOOK_MEMORY_LIMIT",
    "WORKBOOK_TIME_LIMIT",
]
