"""Customer Focus analysis package: plain pandas/numpy logic, no Streamlit.

Modules
-------
ingest    the one door through which data enters (files -> canonical tables)
overview  the scorecard: customers, orders, revenue, repeat rate, refunds, new vs returning
rfm       recency, frequency, monetary scores and named segments
cohorts   cohort retention matrices and curves
feedback  NPS, CSAT, CES with intervals, comment themes, feedback vs behaviour
clv       BG/NBD and Gamma-Gamma customer lifetime value
churn     churn-risk model and its evaluation
patterns  when, what, together: purchase patterns and recommendations
export    formula-safe CSV and XLSX
orders    shared order-level helpers (as-of dates, purchase vs refund orders)
"""
