"""RFM segments: recency, frequency and monetary value per customer, scored and named.

The package's stable API is every name below, importable as ``analysis.rfm.<name>``:

- :mod:`~analysis.rfm.rules`: the segment rules table on the 1..5 recency x frequency grid
  (:func:`default_segment_rules`, :func:`check_rules`, :class:`RuleCheck`, :data:`UNASSIGNED`).
- :mod:`~analysis.rfm.scores`: the definitions and the scoring (:func:`rfm_table`,
  :func:`rfm_from_values` for values aggregated in a database, :func:`score_edges`,
  :func:`score_values`, :func:`to_five_point`, :func:`date_bounds`).
- :mod:`~analysis.rfm.segments`: tables about an RFM table (:func:`segment_summary`,
  :func:`rf_grid`, :func:`score_ranges`, :func:`distribution_counts`).
- :mod:`~analysis.rfm.migration`: segments at two dates (:func:`segment_migration`, :data:`NEW`;
  :func:`migration_from_tables` counts it from two RFM tables, :func:`comparison_date`).
- :mod:`~analysis.rfm.customers`: drill-down and exports (:func:`customer_attributes`,
  :func:`segment_customers`, :func:`customer_orders`, :func:`example_customer`).
- :mod:`~analysis.rfm.clusters`: k-means groups (:class:`RFMKMeans`, :func:`rfm_clusters`,
  :func:`clusters_from_rfm`).
- :mod:`~analysis.rfm.describe`: the results in words (:func:`describe_segments`,
  :func:`describe_migration`, :func:`describe_score_cuts`, :func:`explanation`,
  :func:`worked_example`; ``summary_sentences`` and ``migration_sentences`` are the former
  names of the first two).
"""

from analysis.rfm.clusters import ClusterResult, RFMKMeans, clusters_from_rfm, rfm_clusters
from analysis.rfm.customers import (
    MAX_ATTRIBUTE_COLUMNS,
    customer_attributes,
    customer_orders,
    example_customer,
    segment_customers,
)
from analysis.rfm.describe import (
    describe_migration,
    describe_score_cuts,
    describe_segments,
    explanation,
    migration_sentences,
    summary_sentences,
    worked_example,
)
from analysis.rfm.migration import NEW, comparison_date, migration_from_tables, segment_migration
from analysis.rfm.rules import (
    GRID,
    RULE_COLUMNS,
    UNASSIGNED,
    RuleCheck,
    check_rules,
    default_segment_rules,
)
from analysis.rfm.scores import (
    date_bounds,
    rfm_from_values,
    rfm_table,
    score_edges,
    score_values,
    to_five_point,
)
from analysis.rfm.segments import distribution_counts, rf_grid, score_ranges, segment_summary

__all__ = [
    "MAX_ATTRIBUTE_COLUMNS",
    "GRID",
    "NEW",
    "RULE_COLUMNS",
    "UNASSIGNED",
    "RuleCheck",
    "ClusterResult",
    "RFMKMeans",
    "default_segment_rules",
    "date_bounds",
    "explanation",
    "check_rules",
    "score_edges",
    "score_values",
    "to_five_point",
    "rfm_table",
    "rfm_from_values",
    "segment_summary",
    "rf_grid",
    "score_ranges",
    "distribution_counts",
    "segment_migration",
    "comparison_date",
    "migration_from_tables",
    "migration_sentences",
    "customer_attributes",
    "segment_customers",
    "customer_orders",
    "example_customer",
    "worked_example",
    "describe_migration",
    "describe_score_cuts",
    "describe_segments",
    "summary_sentences",
    "rfm_clusters",
    "clusters_from_rfm",
]
