"""Customer Focus analysis package: plain pandas/numpy logic, no Streamlit.

Modules
-------
core             the shared vocabulary: columns and labels, the order table, statistics,
                 text and money formats, currency, float safety, the error types
ingest           the one door through which data enters (files -> canonical tables);
                 ingest.profiles: known exports (Shopify, Stripe, Google Forms, ...)
orders           the order table (stable name for core.orders)
overview         the scorecard, periods and comparisons, new vs returning, breakdowns
rfm              recency, frequency, monetary scores and named segments
cohorts          cohort retention matrices and curves
feedback         NPS, CSAT, CES with intervals, comment themes, feedback vs behaviour
clv              customer-base models (BG/NBD, MBG/NBD, Pareto/NBD, BG/BB, Gamma-Gamma),
                 forecasts, holdout checks and the model comparison
churn            churn-risk model and its evaluation
patterns         when, what, together: purchase patterns and recommendations
profile          everything about one customer
actions          the "What to do now" lists
pushdown         the same aggregates as Ibis expressions, computed inside a database engine
reconcile        why counts differ between pages, in words
nonproduct       postage, fees, discounts and other lines that are not products
charts           Altair chart builders, one module per page (charts.theme: one colour per segment and meaning)
export, report   formula-safe CSV and XLSX; the offline HTML/PDF report and workbook
"""
