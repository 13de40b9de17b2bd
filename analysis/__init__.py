"""Customer Focus analysis package: plain pandas/numpy logic, no Streamlit.

One package per concept; each re-exports its public names from its ``__init__`` (``__all__``)
and writes its sentences as ``describe_<thing>(result)`` in a ``describe`` module beside the
computation. ``docs/architecture.md`` shows the layers and where a new analysis goes.

Packages
--------
core        the shared vocabulary: columns and labels, the order table (core.orders),
            statistics, money/percent/plural text, currency, float safety, the page and
            report defaults, the error types (DataError, NotEnoughData, NotFittedError)
ingest      the one door through which files enter (read, detect columns, prepare);
            ingest.profiles: known exports (Shopify, Stripe, Google Forms, ...)
overview    the scorecard, periods and comparisons, new vs returning, breakdowns
rfm         recency, frequency, monetary scores, named segments, migration, k-means
cohorts     cohort retention matrices, curves and group comparisons
clv         customer-base models, one per module (BG/NBD, MBG/NBD, Pareto/NBD, BG/BB,
            Gamma-Gamma): summary, forecasts, holdout checks, values, the model comparison
churn       the churn-risk model, its evaluation, value against risk
feedback    NPS, CSAT, CES with intervals, breakdowns, comment themes, follow-ups,
            feedback vs behaviour
patterns    when, what, together: timing, items, baskets, recommendations, prices, channels
profile     everything about one customer
actions     the "What to do now" lists
charts      Altair chart builders, one module per area (charts.theme: the colours)
report      the offline HTML/PDF report and the workbook
pushdown    the same aggregates as Ibis expressions, computed inside a database engine

Modules
-------
orders      the order table (stable name for core.orders)
export      formula-safe CSV and XLSX
reconcile   why counts differ between pages, in words
nonproduct  postage, fees, discounts and other lines that are not products
"""
