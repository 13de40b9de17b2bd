"""RFM results in words: ``describe_<thing>(result) -> list[str]`` and the Markdown explanations.

- :func:`describe_segments`: the largest segment and the one bringing the most revenue
  (:func:`analysis.rfm.segments.segment_summary`); also known as ``summary_sentences``.
- :func:`describe_migration`: the notable flows between two dates
  (:func:`analysis.rfm.migration.segment_migration`); also known as ``migration_sentences``.
- :func:`describe_score_cuts`, :func:`explanation` and :func:`worked_example`: Markdown for
  learners (how the scores were cut, the definitions, one customer walked through).
"""

from __future__ import annotations

import pandas as pd

from analysis.core.floats import make_float_safe
from analysis.core.text import md_escape, money, plural, share
from analysis.rfm.migration import NEW
from analysis.rfm.rules import GRID
from analysis.rfm.scores import to_five_point

__all__ = [
    "describe_segments",
    "describe_migration",
    "describe_score_cuts",
    "explanation",
    "worked_example",
    "summary_sentences",
    "migration_sentences",
]


def describe_segments(summary: pd.DataFrame) -> list[str]:
    """Say which segment is the largest and which brings the most revenue.

    Parameters
    ----------
    summary : DataFrame
        Output of :func:`analysis.rfm.segments.segment_summary`.

    Returns
    -------
    list of str
        Sentences such as "The largest group is Hibernating: 1,234 customers (31%)."
    """
    s = summary[summary["customers"] > 0]
    if not len(s):
        return ["No customer has a purchase before the as-of date."]
    out = []
    biggest = s.sort_values("customers", ascending=False, kind="stable").iloc[0]
    out.append(
        f"The largest group is {md_escape(biggest['segment'])}: "
        f"{plural(int(biggest['customers']), 'customer')} ({share(biggest['customer_share'])})."
    )
    if s["revenue_share"].notna().any():
        top = s.sort_values("revenue", ascending=False, kind="stable").iloc[0]
        out.append(
            f"{md_escape(top['segment'])} bring the most revenue: {share(top['revenue_share'])} "
            f"of it, from {share(top['customer_share'])} of customers."
        )
    return out


def describe_migration(matrix: pd.DataFrame, *, top: int = 3) -> list[str]:
    """Say the notable flows of a migration matrix in words.

    Lists the ``top`` largest moves between two different segments (largest first), then how
    many customers kept their segment, then where most new customers landed.

    Parameters
    ----------
    matrix : DataFrame
        Output of :func:`analysis.rfm.migration.segment_migration`.
    top : int
        Number of flows to describe.

    Returns
    -------
    list of str
        Sentences such as "38 customers who were Champions are now At Risk."
    """
    long = matrix.stack().rename("customers").reset_index()
    if int(long["customers"].sum()) == 0:
        return ["No customers had bought by the later date."]
    sentences = []
    moved = long[
        (long["previous_segment"] != NEW)
        & (long["previous_segment"] != long["segment"])
        & (long["customers"] > 0)
    ].sort_values("customers", ascending=False, kind="stable")
    for row in moved.head(top).itertuples(index=False):
        who = plural(row.customers, "customer who was", "customers who were")
        sentences.append(
            f"{who} {md_escape(row.previous_segment)} "
            f"{'is' if row.customers == 1 else 'are'} now {md_escape(row.segment)}."
        )
    returning = long[long["previous_segment"] != NEW]
    n_prev = int(returning["customers"].sum())
    stayed = int(
        returning.loc[returning["previous_segment"] == returning["segment"], "customers"].sum()
    )
    if n_prev:
        sentences.append(
            f"{stayed:,} of {n_prev:,} earlier customers ({share(stayed / n_prev)}) "
            "kept their segment."
        )
    sentences += _describe_newcomers(long[(long["previous_segment"] == NEW)])
    return sentences


def _describe_newcomers(new: pd.DataFrame) -> list[str]:
    """Say where most customers who bought for the first time in between landed."""
    new = new[new["customers"] > 0]
    n_new = int(new["customers"].sum())
    if not n_new:
        return []
    best = new.sort_values("customers", ascending=False, kind="stable").iloc[0]
    segment = md_escape(best["segment"])
    if n_new == 1:
        return [f"1 customer bought for the first time in between and is now {segment}."]
    return [
        f"{n_new:,} customers bought for the first time in between; "
        f"{int(best['customers']):,} of them are now {segment}."
    ]


#: Former names of :func:`describe_segments` and :func:`describe_migration` (pages use them).


def _money(x: float, currency: str | None, decimals: int = 2) -> str:
    """Return money for Markdown: :func:`analysis.core.text.money`, "$" escaped (a formula)."""
    return money(x, currency, decimals=decimals).replace("$", r"\$")


def _fmt(x: float, currency: str | None = None) -> str:
    """Write a cut point: whole numbers without decimals, others with two.

    Money (``currency`` given) with its symbol or code, "$" escaped for Markdown.
    """
    decimals = 0 if float(x).is_integer() else 2
    if currency:
        return _money(x, currency, decimals)
    return f"{x:,.{decimals}f}"


#: Words for a score's interval: with no bound, with a lower bound only, an upper bound only.
_RECENCY_WORDS = ("any recency", "{lo} days or more", "fewer than {hi} days")
_VALUE_WORDS = ("any value", "more than {lo}", "at most {hi}")


def _score_rule(edges: list[float], score: int, measure: str, currency: str | None = None) -> str:
    """Describe the value interval of one score from the cut points, in words.

    The monetary cut points are written with ``currency`` (ISO code or symbol) when given.
    """
    cur = currency if measure == "monetary" else None
    if measure == "recency":
        # score = 1 + number of cut points strictly above the recency.
        desc = sorted(edges, reverse=True)
        upper = desc[score - 2] if score >= 2 else None  # recency < upper
        lower = desc[score - 1] if score - 1 < len(desc) else None  # recency >= lower
        words = _RECENCY_WORDS
    else:
        lower = edges[score - 2] if score >= 2 else None  # value > lower
        upper = edges[score - 1] if score - 1 < len(edges) else None  # value <= upper
        words = _VALUE_WORDS
    if lower is None and upper is None:
        return words[0]
    if upper is None:
        return words[1].format(lo=_fmt(lower, cur))
    if lower is None:
        return words[2].format(hi=_fmt(upper, cur))
    if measure != "recency":
        return f"more than {_fmt(lower, cur)} and at most {_fmt(upper, cur)}"
    return (
        f"{_fmt(lower)} to {_fmt(upper - 1)} days" if upper - lower > 1 else f"{_fmt(lower)} days"
    )


def describe_score_cuts(rfm: pd.DataFrame, currency: str | None = None) -> str:
    """Return Markdown describing, for each measure, which values get which score.

    Monetary cut points carry ``currency`` (ISO code or symbol) when given.
    """
    bins = int(rfm.attrs.get("bins", GRID))
    edges = rfm.attrs.get("edges", {})
    lines = []
    labels = {
        "recency": "Recency (days since the last purchase; fewer is better)",
        "frequency": "Frequency (purchase orders)",
        "monetary": "Monetary (net revenue)",
    }
    for measure, title in labels.items():
        e = edges.get(measure, [])
        used = len(e) + 1
        parts = [f"score {s}: {_score_rule(e, s, measure, currency)}" for s in range(used, 0, -1)]
        note = (
            f" (only {used} of {bins} scores are used: too few distinct values)"
            if used < bins
            else ""
        )
        lines.append(f"- **{title}**{note}: " + "; ".join(parts) + ".")
    return "\n".join(lines)


def explanation(rfm: pd.DataFrame, currency: str | None = None) -> str:
    """Return Markdown for learners: the definitions, how this table's scores were cut, the grid.

    Money (the monetary cut points) carries ``currency`` (ISO code or symbol) when given.
    """
    bins = int(rfm.attrs.get("bins", GRID))
    as_of = pd.Timestamp(rfm.attrs.get("as_of"))
    grid_note = (
        f"With {bins} scores, scores are first placed on the 1-5 grid of the rules: "
        + ", ".join(f"{s} -> {int(to_five_point([s], bins)[0])}" for s in range(1, bins + 1))
        + " (lowest to 1, highest to 5, the others evenly in between)."
        if bins != GRID
        else "The rules are written on this 1-5 grid."
    )
    return "\n".join(
        [
            f"**As of** {as_of:%d %b %Y}: the end of the period looked at. Data from this day "
            "on is ignored, so you can look back in time.",
            "",
            "- **Order**: all lines with the same customer and order number. Its **net value** "
            "is the sum of its lines. A **purchase order** has a net value of zero or more (free "
            "orders count); a **refund order** has a negative net value.",
            "- **Recency (R)**: whole days from the customer's last purchase order to the as-of "
            "date. Bought on the last day = 1 day.",
            "- **Frequency (F)**: the number of purchase orders.",
            "- **Monetary (M)**: net revenue, everything the customer paid minus refunds.",
            "- Customers with only refunds have no purchase and are left out.",
            "",
            f"**Scores** run from 1 to {bins}; higher is better (more recent, more orders, more "
            "revenue). The cut points come from your customers' values, not from row numbers, "
            "so customers with the same value always get the same score. When one value holds a "
            "big share of customers (typically 'bought once'), it gets a score of its own and "
            "the other scores are spread over the rest. This table's cut points:",
            "",
            describe_score_cuts(rfm, currency),
            "",
            f"**Segments** are named from R and F only (M is shown beside them). {grid_note} "
            "Each segment is a block of cells on the grid; you can edit the blocks, and the page "
            "tells you when a cell has no segment or two.",
        ]
    )


def worked_example(
    orders: pd.DataFrame, rfm: pd.DataFrame, customer_id: str, currency: str | None = None
) -> str:
    """Return Markdown walking through one customer's R, F, M, scores and segment.

    Parameters
    ----------
    orders : DataFrame
        Output of :func:`analysis.rfm.customers.customer_orders` for this customer.
    rfm : DataFrame
        Output of :func:`analysis.rfm.scores.rfm_table`.
    customer_id : str
        The customer.
    currency : str or None
        ISO code (or symbol) of the file's money, written with each amount; None: plain numbers.
    """
    if customer_id not in rfm.index:
        return f"Customer {md_escape(customer_id)} has no purchase before the as-of date."
    row = rfm.loc[customer_id]
    as_of = pd.Timestamp(rfm.attrs.get("as_of"))
    purchases = orders[orders["is_purchase"]]
    refunds = orders[~orders["is_purchase"]]
    last = purchases["order_date"].max()
    edges = rfm.attrs.get("edges", {})
    lines = [
        f"Customer **{md_escape(customer_id)}** has {len(orders)} order(s) before {as_of:%Y-%m-%d}: "
        f"{len(purchases)} purchase order(s) and {len(refunds)} refund order(s).",
        "",
        "| order | date | net value | kind |",
        "|---|---|---:|---|",
    ]
    for o in orders.head(12).itertuples(index=False):
        kind = "purchase" if o.is_purchase else "refund"
        lines.append(
            f"| {md_escape(o.order_id)} | {o.order_date:%Y-%m-%d} | "
            f"{_money(o.net_value, currency)} | {kind} |"
        )
    if len(orders) > 12:
        lines.append(f"| ... | ({len(orders) - 12} more) | | |")
    r, f, m = int(row["r_score"]), int(row["f_score"]), int(row["m_score"])
    lines += [
        "",
        f"- **Recency** = {as_of:%Y-%m-%d} minus the last purchase date {last:%Y-%m-%d} = "
        f"**{int(row['recency'])} days** -> R score **{r}** "
        f"({_score_rule(edges.get('recency', []), r, 'recency')}).",
        f"- **Frequency** = number of purchase orders = **{int(row['frequency'])}** -> F score "
        f"**{f}** ({_score_rule(edges.get('frequency', []), f, 'frequency')}).",
        "- **Monetary** = sum of all amounts, refunds included = "
        f"**{_money(row['monetary'], currency)}** -> "
        f"M score **{m}** ({_score_rule(edges.get('monetary', []), m, 'monetary', currency)}).",
        f"- RFM code **{row['rfm_code']}**; on the recency x frequency grid "
        f"(R{r} F{f}) the customer is in **{md_escape(row['segment'])}**.",
    ]
    return "\n".join(lines)


# Extreme amounts (1e300) give inf/nan figures, never an error (analysis.core.floats).
make_float_safe(globals(), __all__)

# The former names, still used by pages.
summary_sentences = describe_segments
migration_sentences = describe_migration
