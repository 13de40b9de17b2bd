"""Push-down: the heavy per-customer and per-cohort aggregations run inside a database engine.

Each function takes an Ibis table with the canonical columns (``customer_id``, ``order_id``,
``order_date``, ``amount``) in any Ibis backend (DuckDB, PostgreSQL, Spark, BigQuery, ...),
runs the aggregation there, and returns what the in-memory function of the same name returns,
so models, scores and charts work on the small result as they do today. The definitions follow
:mod:`analysis.orders` exactly (exclusive ``as_of``, orders with their net rounded to 8
decimals, purchase versus refund orders). Results are indexed by customer id in sorted order
where the in-memory path keeps the order of first appearance.

Where the app owns the engine (DuckDB over files), :func:`materialize` computes the per-day
order sums once and every function then reads those instead of the lines.
"""

from analysis.pushdown._lines import (
    CANONICAL,
    NET_DECIMALS,
    Materialized,
    line_days,
    materialize,
    observed_lines,
    orders,
    resolve_as_of,
)
from analysis.pushdown.baskets import association_rules, item_pair_counts
from analysis.pushdown.breakdowns import top_breakdown, top_breakdown_in_period
from analysis.pushdown.churn import churn_features, churn_labels, churn_model
from analysis.pushdown.clusters import rfm_clusters
from analysis.pushdown.clv import clv_summary, gamma_gamma_inputs
from analysis.pushdown.cohort_report import cohort_report, cohort_sizes
from analysis.pushdown.cohorts import cohort_counts, retention_matrix
from analysis.pushdown.customer import customer_lines, customer_profile
from analysis.pushdown.migration import segment_migration
from analysis.pushdown.new_returning import new_vs_returning, new_vs_returning_in_period
from analysis.pushdown.overview import compare_scorecards, scorecard
from analysis.pushdown.rfm import date_bounds, rfm_table, rfm_values
from analysis.pushdown.value import compare_models, value_report

__all__ = [
    "CANONICAL",
    "Materialized",
    "line_days",
    "materialize",
    "NET_DECIMALS",
    "association_rules",
    "churn_features",
    "churn_labels",
    "churn_model",
    "clv_summary",
    "date_bounds",
    "cohort_counts",
    "cohort_report",
    "cohort_sizes",
    "compare_models",
    "compare_scorecards",
    "customer_lines",
    "customer_profile",
    "gamma_gamma_inputs",
    "item_pair_counts",
    "new_vs_returning",
    "new_vs_returning_in_period",
    "observed_lines",
    "orders",
    "resolve_as_of",
    "retention_matrix",
    "rfm_clusters",
    "rfm_table",
    "rfm_values",
    "scorecard",
    "segment_migration",
    "top_breakdown",
    "top_breakdown_in_period",
    "value_report",
]
