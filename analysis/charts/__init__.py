"""Altair chart builders: pure functions from analysis results to ``alt.Chart`` (no Streamlit).

One module per area of the app; every one takes its colours from :mod:`~analysis.charts.theme`,
so a segment or a meaning looks the same on every chart, page and report. Data is embedded
inline, so ``chart.to_dict()`` works without network.

- :mod:`~analysis.charts.theme`: one colour per RFM segment and per meaning (better / worse /
  not significant, model / baseline, actual / predicted, "Other"), scales built from them.
- :mod:`~analysis.charts.overview`: new and returning customers per period, revenue by
  country / product / channel.
- :mod:`~analysis.charts.rfm`: segment shares, the recency x frequency grid, value
  distributions, migration between two dates, k-means groups.
- :mod:`~analysis.charts.cohorts`: the cohort retention heatmap and the retention curves.
- :mod:`~analysis.charts.value`: forecasts, lifetime value, P(alive), value against churn
  risk, holdout checks and the churn model's evaluation.
- :mod:`~analysis.charts.feedback`: NPS split, scores, trend, breakdowns, themes, words and
  behaviour after answering.
- :mod:`~analysis.charts.patterns`: timing heatmaps, seasonality, reorder gaps, top items,
  pairs, order values, spend, price bands, channels and one customer's history.
- ``_common``: pieces several builders share: the name axis of bar charts (long item names on
  two lines, whole in the tooltip), revenue tooltips, an "Other" bar that dwarfs the rest left
  out.

Import the module of an area, e.g. ``from analysis.charts import rfm as charts_rfm``.

Every page visit with new data builds its charts again, so the builders avoid Altair's slow
paths (the same spec, at less than half the cost):

- encodings are channel objects (``alt.X("a:Q")``, ``alt.Text(...)``, ``alt.Y2(...)``,
  ``alt.ColorValue(**alt.when(...).otherwise(...))``), never shorthand strings or dicts, which
  Altair wraps by rebuilding its table of schema classes, once per channel;
- the parts of a layer that share their data leave it out (``alt.Chart()``) and the layer takes
  it once (``alt.layer(a, b, data=df)``): given to each part, Altair hashes the frame's text;
- sizes and titles go to the constructor (``alt.Chart(df, height=...)``,
  ``alt.layer(..., height=...)``), not ``.properties()``, which checks each value against the
  schema.

``tests/analysis/charts/test_specs.py`` checks that a representative set of specs stays the same.
"""

__all__ = ["cohorts", "feedback", "overview", "patterns", "rfm", "theme", "value"]
