"""Customer Focus analysis package: plain pandas/numpy logic, no Streamlit.

Modules
-------
ingest    the one door through which data enters (files -> canonical tables)
orders    shared order-level helpers (as-of dates, purchase vs refund orders)
"""
