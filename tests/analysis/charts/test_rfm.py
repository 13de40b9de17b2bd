"""Tests of analysis.charts.rfm: the RFM charts build from the analysis outputs."""

from __future__ import annotations

from analysis.charts import rfm as charts_rfm
from analysis.rfm import (
    distribution_counts,
    rf_grid,
    rfm_clusters,
    rfm_table,
    segment_migration,
    segment_summary,
)
from tests.analysis.rfm._data import TX, separated_groups_tx


def test_charts_build_from_analysis_outputs():
    rfm = rfm_table(TX)
    summary = segment_summary(rfm)
    spec = charts_rfm.segment_bars(summary).to_dict()
    assert "Hibernating" in str(spec)
    spec = charts_rfm.rf_grid_heatmap(rf_grid(rfm)).to_dict()
    assert "Potential Loyalists" in str(spec)
    charts_rfm.distribution_chart(distribution_counts(rfm, "recency"), "recency").to_dict()
    m = segment_migration(TX, as_of="2024-03-11", previous_as_of="2024-03-04")
    assert "previous_segment" in str(charts_rfm.migration_heatmap(m).to_dict())
    res = rfm_clusters(separated_groups_tx(), k_min=2, k_max=4)
    charts_rfm.cluster_bars(res.centres).to_dict()
