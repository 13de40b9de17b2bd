"""Altair charts for cohort retention (pure: DataFrame in, ``alt.Chart`` out).

Inputs are the frames of :mod:`analysis.cohorts` (:func:`~analysis.cohorts.retention_matrix`,
:func:`~analysis.cohorts.cohort_sizes`, :func:`~analysis.cohorts.retention_curve`). Data is
embedded inline, so ``chart.to_dict()`` works without network. Unobservable cells are simply
absent (blank); cells of the unfinished last period are outlined with a dashed line, labelled
with an asterisk and left out of the cohort lines.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from analysis.charts import theme
from analysis.cohorts import PERIODS, partial_mask, period_label

__all__ = [
    "heatmap_data",
    "quarter_heatmap_data",
    "heatmap",
    "cohort_lines_data",
    "curves_chart",
    "VALUE_FORMATS",
    "MAX_COHORT_ROWS",
]

#: d3 format and axis title of each metric.
VALUE_FORMATS = {
    "customers": (".0%", "Share of the cohort active"),
    "revenue": (".0%", "Revenue as a share of the first period's"),
    "revenue_per_customer": (",.0f", "Cumulative net revenue per customer"),
}
AVERAGE_COLOR = "#1f1f1f"
MAX_LABELLED_CELLS = 600
#: Above this many cohorts (one-level matrices, monthly or weekly), the heatmap pools each
#: quarter's cohorts into one row, so it stays readable.
MAX_COHORT_ROWS = 24


def _row_labels(index: pd.Index) -> list[str]:
    """Return one text label per matrix row: ``2011-03`` or ``Web · 2011-03`` when split."""
    if index.nlevels == 1:
        return [period_label(p) for p in index]
    return [f"{g} · {period_label(p)}" for g, p in index]


def _period_texts(periods: pd.PeriodIndex) -> np.ndarray:
    """Return labels as :func:`analysis.cohorts.period_label` gives them, for many periods."""
    if periods.freqstr.startswith("W"):
        return np.asarray(periods.start_time.strftime("%Y-%m-%d"), dtype=object)
    return np.asarray(periods.astype("str"), dtype=object)


def _value_texts(values: np.ndarray, metric: str) -> np.ndarray:
    """Return the cell labels: money per customer with separators, shares as whole percents."""
    if metric == "revenue_per_customer":
        return np.asarray([f"{v:,.0f}" for v in values], dtype=object)
    return np.char.add(np.round(100 * values).astype(np.int64).astype(str), "%").astype(object)


def heatmap_data(matrix: pd.DataFrame, sizes: pd.Series | None = None) -> pd.DataFrame:
    """Return the long form of a retention matrix: one row per observable cell.

    Returns
    -------
    DataFrame
        ``row`` (text label), ``row_order`` (position), ``period_number``, ``value``,
        ``label`` (formatted value, ``*`` appended on partial cells), ``partial`` (bool),
        ``customers`` (cohort size, when ``sizes`` is given) and ``calendar`` (the calendar
        period of the cell, as text). Unobservable (NaN) cells are left out.
    """
    metric = matrix.attrs.get("metric", "customers")
    values = matrix.to_numpy(dtype=np.float64)
    partial = partial_mask(matrix).to_numpy()
    n_rows, n_cols = values.shape
    rows, cols = np.nonzero(~np.isnan(values))
    labels = np.asarray(_row_labels(matrix.index), dtype=object)
    cohorts = pd.PeriodIndex(matrix.index.get_level_values("cohort"))
    offsets = np.asarray(matrix.columns, dtype=np.int64)[cols]
    calendar = _period_texts(
        pd.PeriodIndex.from_ordinals(cohorts.asi8[rows] + offsets, freq=cohorts.freq)
    )
    cell_values = values[rows, cols]
    cell_partial = partial[rows, cols]
    text = _value_texts(cell_values, metric) + np.where(cell_partial, "*", "")
    out = pd.DataFrame(
        {
            "row": labels[rows] if n_rows else np.array([], dtype=object),
            "row_order": rows,
            "period_number": offsets,
            "value": cell_values,
            "label": text,
            "partial": cell_partial,
            "calendar": calendar,
        }
    )
    if sizes is not None:
        out["customers"] = sizes.reindex(matrix.index).to_numpy()[rows]
    out["row"] = out["row"].astype("str")
    return out


def quarter_heatmap_data(data: pd.DataFrame, matrix: pd.DataFrame) -> pd.DataFrame:
    """Pool each quarter's cohorts of :func:`heatmap_data` into one row.

    Parameters
    ----------
    data : DataFrame
        :func:`heatmap_data` of ``matrix``, with the cohort sizes (``customers``).
    matrix : DataFrame
        The retention matrix (monthly or weekly cohorts) ``data`` comes from; when split by a
        breakdown, each group's quarters are pooled apart (rows ``Web · 2011Q1``).

    Returns
    -------
    DataFrame
        The columns of :func:`heatmap_data`, one row per quarter (of the cohorts' first day)
        and period number (per group, when split): ``value`` is the average of the quarter's observable cohorts'
        values weighted by their size (for active customers: the active share of all of them),
        ``partial`` is true when any of those cells is, ``calendar`` spans their calendar
        periods, ``customers`` is the size of all the quarter's cohorts; plus ``cohorts``, the
        number of cohorts pooled in the cell.
    """
    metric = matrix.attrs.get("metric", "customers")
    periods = pd.PeriodIndex(matrix.index.get_level_values("cohort"))
    quarters = periods.asfreq("Q", how="start")
    if matrix.index.nlevels == 1:
        keys = [period_label(q) for q in quarters]
    else:
        groups = matrix.index.get_level_values(0)
        keys = [f"{g} · {period_label(q)}" for g, q in zip(groups, quarters, strict=True)]
    codes, names = pd.factorize(pd.Index(keys, dtype="str"), sort=False)  # the matrix's order
    quarter = codes[data["row_order"].to_numpy()]
    cells = data.assign(quarter=quarter, weighted=data["value"] * data["customers"], cohorts=1)
    out = (
        cells.groupby(["quarter", "period_number"], sort=True)
        .agg(
            weighted=("weighted", "sum"),
            weight=("customers", "sum"),
            partial=("partial", "any"),
            cohorts=("cohorts", "sum"),
            first=("calendar", "min"),
            last=("calendar", "max"),
        )
        .reset_index()
    )
    first = cells[cells["period_number"] == 0]
    sizes = first.groupby("quarter")["customers"].sum()
    value = (out["weighted"] / out["weight"]).to_numpy(dtype=np.float64)
    partial = out["partial"].to_numpy(dtype=bool)
    return pd.DataFrame(
        {
            "row": names[out["quarter"].to_numpy()],
            "row_order": out["quarter"].to_numpy(),
            "period_number": out["period_number"].to_numpy(),
            "value": value,
            "label": _value_texts(value, metric) + np.where(partial, "*", ""),
            "partial": partial,
            "calendar": np.where(
                out["first"] == out["last"], out["first"], out["first"] + " to " + out["last"]
            ),
            "customers": sizes.reindex(out["quarter"]).to_numpy(),
            "cohorts": out["cohorts"].to_numpy(),
        }
    ).astype({"row": "str", "calendar": "str"})


def _colour_domain(data: pd.DataFrame, metric: str) -> list[float]:
    """Return the colour scale's domain: fitted to periods 1 and later for the share metrics.

    Period 0's 100% would otherwise wash out the rest; money per customer spans its values.
    """
    if metric == "revenue_per_customer":
        return [
            min(0.0, float(data["value"].min())) if len(data) else 0.0,
            float(data["value"].max()) if len(data) else 1.0,
        ]
    later = data.loc[data["period_number"] >= 1, "value"]
    top = float(later.max()) if len(later) else 1.0
    return [0.0, max(top, 0.05)]


def _cell_layers(
    data: pd.DataFrame, y: alt.Y, domain: list[float], *, unit: str, metric: str, labelled: bool
) -> list[alt.Chart]:
    """Return the heatmap's cells, the dashed outline of partial cells and (maybe) the labels."""
    fmt, value_title = VALUE_FORMATS[metric]
    base = alt.Chart()  # the data is the layer's (see heatmap)
    cells = base.mark_rect().encode(
        x=alt.X("period_number:O", title=f"{unit.capitalize()}s since first purchase"),
        y=y,
        color=alt.Color(
            "value:Q",
            title=value_title,
            scale=alt.Scale(scheme="blues", domain=domain, clamp=True),
            legend=alt.Legend(format=fmt, orient="bottom"),
        ),
        tooltip=[
            alt.Tooltip("row:N", title="Cohort"),
            alt.Tooltip("period_number:O", title=f"{unit.capitalize()}s since"),
            alt.Tooltip("calendar:N", title=unit.capitalize()),
            alt.Tooltip("value:Q", title=value_title, format=fmt),
            alt.Tooltip("customers:Q", title="Cohort size", format=","),
            alt.Tooltip("partial:N", title=f"{unit.capitalize()} unfinished"),
            *(
                [alt.Tooltip("cohorts:Q", title=f"{unit.capitalize()}ly cohorts pooled")]
                if "cohorts" in data
                else []
            ),
        ],
    )
    outline = (
        base.transform_filter(alt.datum.partial)
        .mark_rect(fill=None, stroke="#d62728", strokeDash=[3, 2], strokeWidth=1.5)
        .encode(x=alt.X("period_number:O"), y=y)
    )
    layers = [cells, outline]
    if labelled:
        mid = (domain[0] + domain[1]) / 2
        layers.append(
            base.mark_text(fontSize=10).encode(
                x=alt.X("period_number:O"),
                y=y,
                text=alt.Text("label:N"),
                color=alt.ColorValue(
                    **alt.condition(alt.datum.value > mid, alt.value("white"), alt.value("#1f1f1f"))
                ),
            )
        )
    return layers


def _size_bars(data: pd.DataFrame, order: list[str], height: int, *, texts: bool) -> alt.Chart:
    """Return the cohort sizes as bars (with their counts written beside them when ``texts``)."""
    size_rows = data[data["period_number"] == 0]  # period 0 is observable in every row
    size_chart = (
        alt.Chart(size_rows if not texts else alt.Undefined, width=90, height=height)
        .mark_bar(color=theme.OTHER)
        .encode(
            x=alt.X("customers:Q", title="Customers", axis=alt.Axis(format="~s")),
            y=alt.Y("row:N", sort=order, axis=None),
            tooltip=[alt.Tooltip("row:N", title="Cohort"), alt.Tooltip("customers:Q", format=",")],
        )
    )
    if not texts:
        return size_chart
    size_text = (
        alt.Chart()
        .mark_text(align="left", dx=3, fontSize=10)
        .encode(
            x=alt.X("customers:Q"),
            y=alt.Y("row:N", sort=order, axis=None),
            text=alt.Text("customers:Q"),
        )
    )
    return alt.layer(size_chart, size_text, data=size_rows)


def _pool_by_quarter(matrix: pd.DataFrame) -> bool:
    """Say whether the heatmap pools its cohorts by quarter (many monthly or weekly cohorts)."""
    cohorts = matrix.index.get_level_values("cohort").unique()
    if len(cohorts) <= MAX_COHORT_ROWS:
        return False
    return pd.PeriodIndex(cohorts).freqstr.startswith(("M", "W"))


def heatmap(
    matrix: pd.DataFrame, sizes: pd.Series, *, title: str | None = None
) -> alt.HConcatChart:
    """Draw the cohort heatmap with the cohort sizes beside it.

    Parameters
    ----------
    matrix : DataFrame
        :func:`analysis.cohorts.retention_matrix` output (``attrs`` say metric and period).
    sizes : Series
        :func:`analysis.cohorts.cohort_sizes` for the same settings.
    title : str, optional
        Chart title.

    Returns
    -------
    alt.HConcatChart
        Left: cohort sizes as bars with their counts. Right: one rectangle per observable cell,
        coloured by value (the colour scale is fitted to periods 1 and later, so that period 0's
        100% does not wash out the rest), labelled with the value (when there are at most
        600 cells); partial cells have a dashed outline and an asterisk; unobservable cells are
        blank. With more than :data:`MAX_COHORT_ROWS` monthly or weekly cohorts, each row is a
        quarter's cohorts pooled (:func:`quarter_heatmap_data`; per group when split), and the
        subtitle says so.
    """
    metric = matrix.attrs.get("metric", "customers")
    unit = PERIODS.get(matrix.attrs.get("period", "M"), "period")
    data = heatmap_data(matrix, sizes)
    order = list(dict.fromkeys(_row_labels(matrix.index)))
    by_quarter = _pool_by_quarter(matrix)
    if by_quarter:
        data = quarter_heatmap_data(data, matrix)
        order = list(dict.fromkeys(data["row"]))
    domain = _colour_domain(data, metric)
    # 16 px a row, squeezed to at most ~1000 px for long weekly or split matrices
    row_px = 16 if len(order) <= 60 else max(2, min(16, 1000 // max(len(order), 1)))
    height = max(row_px * len(order), 60)
    labelled = len(data) <= MAX_LABELLED_CELLS and row_px >= 12
    width = max((34 if labelled else 12) * matrix.shape[1], 160)
    y = alt.Y(
        "row:N",
        sort=order,
        title="Cohort (quarter of first purchase)" if by_quarter else "Cohort (first purchase)",
        axis=alt.Axis(labelOverlap="parity") if row_px < 12 else alt.Axis(),
    )
    layers = _cell_layers(data, y, domain, unit=unit, metric=metric, labelled=labelled)
    grid = alt.layer(*layers, data=data, width=width, height=height)
    bars = _size_bars(data, order, height, texts=row_px >= 12)
    subtitle = "Blank: not observable yet."
    if by_quarter:
        subtitle = (
            f"More than {MAX_COHORT_ROWS} cohorts: one row per quarter, its {unit}ly cohorts "
            "together (weighted by their size); hover a cell for its numbers. " + subtitle
        )
    if data["partial"].any():
        subtitle = (
            f"Dashed outline and *: the {unit} is not over yet, so the value is incomplete. "
            + subtitle
        )
    value_title = VALUE_FORMATS[metric][1]
    return alt.hconcat(
        grid,
        bars,
        spacing=8,
        title=alt.TitleParams(title or value_title + " by cohort", subtitle=subtitle),
    )


def cohort_lines_data(matrix: pd.DataFrame) -> pd.DataFrame:
    """Return the observable, complete cells of each cohort, as lines.

    Columns ``row``, ``row_order``, ``period_number`` and ``value``; partial cells are left
    out, so unfinished periods never look like drops.
    """
    data = heatmap_data(matrix)
    return data.loc[~data["partial"], ["row", "row_order", "period_number", "value"]].reset_index(
        drop=True
    )


def _drop_first(data: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Leave out period 0 for the share metrics.

    It is 100% by definition and would squash the part of the curve worth reading.
    """
    data = data if metric == "revenue_per_customer" else data[data["period_number"] >= 1]
    data = data.copy()
    data.attrs = {}  # chart data must be plain: attrs hold Timestamps, not JSON
    return data


def _curve_tooltip(unit: str, fmt: str, average: str) -> list[alt.Tooltip]:
    """Return the tooltip of an average curve: its value, 95% interval, cohorts and customers."""
    return [
        alt.Tooltip("period_number:Q", title=f"{unit.capitalize()}s since"),
        alt.Tooltip("value:Q", title=average, format=fmt),
        alt.Tooltip("low:Q", title="95% from", format=fmt),
        alt.Tooltip("high:Q", title="95% to", format=fmt),
        alt.Tooltip("n_cohorts:Q", title="Cohorts"),
        alt.Tooltip("n_customers:Q", title="Customers", format=","),
    ]


def _group_layers(
    curve: pd.DataFrame, overall: pd.DataFrame | None, x: alt.X, *, metric: str, unit: str
) -> list[alt.Chart]:
    """Return one line and band per group of a split curve, and the dashed all-customers line."""
    fmt, y_title = VALUE_FORMATS[metric]
    by = curve.index.names[0]
    data = _drop_first(curve.reset_index(), metric).rename(columns={by: "group"})
    data["group"] = data["group"].astype("str")
    color = alt.Color("group:N", title=str(by).capitalize())
    band_data = data.dropna(subset=["low", "high"])
    layers = [
        alt.Chart(band_data)
        .mark_area(opacity=0.15)
        .encode(x=x, y=alt.Y("low:Q", title=y_title), y2=alt.Y2("high:Q"), color=color),
        alt.Chart(data)
        .mark_line(point=alt.OverlayMarkDef(size=25))
        .encode(
            x=x,
            y=alt.Y("value:Q", title=y_title, axis=alt.Axis(format=fmt)),
            color=color,
            tooltip=[
                alt.Tooltip("group:N", title=str(by).capitalize()),
                *_curve_tooltip(unit, fmt, "Average"),
            ],
        ),
    ]
    if overall is not None and len(overall):
        layers.append(
            alt.Chart(_drop_first(overall.reset_index(), metric))
            .mark_line(color=AVERAGE_COLOR, strokeDash=[5, 3])
            .encode(x=x, y=alt.Y("value:Q"))
        )
    return layers


def _cohort_layers(
    matrix: pd.DataFrame, curve: pd.DataFrame, x: alt.X, *, metric: str, unit: str
) -> list[alt.Chart]:
    """Return a thin line per cohort, then the weighted average with its band."""
    fmt, value_title = VALUE_FORMATS[metric]
    lines = _drop_first(cohort_lines_data(matrix), metric)
    cohort_lines = (
        alt.Chart(lines)
        .mark_line(strokeWidth=1, opacity=0.45)
        .encode(
            x=x,
            y=alt.Y("value:Q", title=value_title, axis=alt.Axis(format=fmt)),
            color=alt.Color(
                "row_order:Q",
                title="Cohort (older to newer)",
                scale=alt.Scale(scheme="viridis"),
                legend=None,
            ),
            detail=alt.Detail("row:N"),
            tooltip=[
                alt.Tooltip("row:N", title="Cohort"),
                alt.Tooltip("period_number:Q", title=f"{unit.capitalize()}s since"),
                alt.Tooltip("value:Q", title=value_title, format=fmt),
            ],
        )
    )
    data = _drop_first(curve.reset_index(), metric)
    band = (
        alt.Chart(data.dropna(subset=["low", "high"]))
        .mark_area(color=AVERAGE_COLOR, opacity=0.15)
        .encode(x=x, y=alt.Y("low:Q"), y2=alt.Y2("high:Q"))
    )
    average = (
        alt.Chart(data)
        .mark_line(
            color=AVERAGE_COLOR,
            strokeWidth=3,
            point=alt.OverlayMarkDef(color=AVERAGE_COLOR, size=30),
        )
        .encode(x=x, y=alt.Y("value:Q"), tooltip=_curve_tooltip(unit, fmt, "Weighted average"))
    )
    return [cohort_lines, band, average]


def curves_chart(
    matrix: pd.DataFrame,
    curve: pd.DataFrame,
    *,
    overall: pd.DataFrame | None = None,
    title: str | None = None,
) -> alt.LayerChart:
    """Draw retention curves: one thin line per cohort plus the weighted average and its band.

    Parameters
    ----------
    matrix : DataFrame
        :func:`analysis.cohorts.retention_matrix` output (not split).
    curve : DataFrame
        :func:`analysis.cohorts.retention_curve` for the same settings. When split by a
        breakdown (two-level index), one line and band per group are drawn instead of the
        cohort lines.
    overall : DataFrame, optional
        With a split ``curve``, the all-customers curve, drawn as a dashed black line.
    title : str, optional
        Chart title.

    Returns
    -------
    alt.LayerChart
        Lines over period numbers; the band is the curve's ``low``-``high`` interval. For the
        share metrics period 0 (100% by definition) is not drawn.
    """
    metric = curve.attrs.get("metric", matrix.attrs.get("metric", "customers"))
    period = curve.attrs.get("period", matrix.attrs.get("period", "M"))
    unit = PERIODS.get(period, "period")
    value_title = VALUE_FORMATS[metric][1]
    x = alt.X(
        "period_number:Q",
        title=f"{unit.capitalize()}s since first purchase",
        axis=alt.Axis(tickMinStep=1, format="d"),
    )
    if curve.index.nlevels == 2:
        layers = _group_layers(curve, overall, x, metric=metric, unit=unit)
        subtitle = "One line per group with its 95% interval; dashed: all customers."
    else:
        layers = _cohort_layers(matrix, curve, x, metric=metric, unit=unit)
        subtitle = (
            "Black: average weighted by cohort size, with its 95% interval; thin lines: cohorts."
        )
    if metric != "revenue_per_customer":
        subtitle += f" {unit.capitalize()} 0 is 100% by definition and not drawn."
    return alt.layer(
        *layers,
        height=320,
        title=alt.TitleParams(title or f"{value_title}, by {unit}", subtitle=subtitle),
    ).interactive(bind_y=False)
