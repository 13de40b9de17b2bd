"""What the purchase patterns say, in sentences: ``describe_<thing>(result) -> list[str]``.

Each function takes the result of one computation of :mod:`analysis.patterns` (and, where the
result does not say it, the item or group column) and returns Markdown sentences for the page;
every value from the data in them is escaped with :func:`analysis.core.text.md_escape`. Those
that write money take ``currency`` (ISO code or symbol of the file's money, ``Dataset.currency``;
``None`` writes the number alone).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.core.columns import OTHER_LABEL
from analysis.core.floats import make_float_safe
from analysis.core.text import md_escape, money, plural, share
from analysis.patterns.reorders import ReorderSummary
from analysis.patterns.spend import OrderValueSummary
from analysis.patterns.timing import MONTHS, WEEKDAYS

__all__ = [
    "describe_breakdown",
    "describe_channel_acquisition",
    "describe_discounts",
    "describe_first_orders",
    "describe_order_values",
    "describe_price_bands",
    "describe_recommendations",
    "describe_reorder",
    "describe_reorder_by_item",
    "describe_rules",
    "describe_seasonality",
    "describe_spend",
    "describe_top_items",
    "describe_weekday_hour",
    "describe_weekday_month",
]


_PLURALS = {"category": "categories", "country": "countries"}


def _join(words: list[str], last: str = "and") -> str:
    """Return ``a, b and c`` (or ``last`` instead of "and")."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} {last} {words[-1]}"


def _money(x: float, currency: str | None = None) -> str:
    r"""Return an amount as sentences write it: no decimals from 1,000 on, else two.

    In ``currency`` (ISO code or symbol: ``"€1,234"``), escaped for Markdown (``"\$"``).
    """
    if not np.isfinite(x):
        return "n/a"
    if currency:
        return md_escape(money(x, currency, decimals=0 if abs(x) >= 1000 else 2))
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:,.2f}"


def describe_weekday_hour(df: pd.DataFrame) -> list[str]:
    """Say the busiest weekday and (with times) the busiest hours, from :func:`~analysis.patterns.weekday_hour`."""
    total = int(df["orders"].sum())
    if total == 0:
        return ["There are no purchase orders to place in the week."]
    by_day = df.groupby("weekday", sort=True)["orders"].sum().to_numpy()
    best, worst = int(np.argmax(by_day)), int(np.argmin(by_day))
    closed = [WEEKDAYS[d] for d in range(7) if by_day[d] == 0]
    quiet = (
        f"there are no orders at all on {_join(closed, 'or')}"
        if closed
        else f"{WEEKDAYS[worst]} is the quietest ({share(by_day[worst] / total)})"
    )
    out = [
        f"{WEEKDAYS[best]} is the busiest day ({share(by_day[best] / total)} of orders; an even "
        f"spread would be 14% each) and {quiet}."
    ]
    if df.attrs.get("has_time", True):
        by_hour = df.groupby("hour", sort=True)["orders"].sum().to_numpy()
        # the busiest 3-hour window (wrapping past midnight)
        window = by_hour + np.roll(by_hour, -1) + np.roll(by_hour, -2)
        ties = np.flatnonzero(window == window.max())
        h = int(next((t for t in ties if by_hour[t] > 0), ties[0]))  # start on a busy hour
        out.append(
            f"The busiest three hours are {h:02d}:00-{(h + 3) % 24:02d}:00, with "
            f"{share(window[h] / total)} of all orders."
        )
        cell = df.loc[df["orders"].idxmax()]
        out.append(
            f"The single busiest slot is {cell['weekday_name']} {int(cell['hour']):02d}:00, "
            f"with {int(cell['orders']):,} orders."
        )
    else:
        out.append("The file has dates without times of day, so only weekdays can be compared.")
    return out


def describe_weekday_month(df: pd.DataFrame) -> list[str]:
    """Say which weekday leads most months, from :func:`~analysis.patterns.weekday_month`."""
    full = df[df["days"] >= 4]
    if len(full) == 0 or full["orders"].sum() == 0:
        return []
    per_day = full.pivot_table(index="month", columns="weekday", values="orders_per_day")
    leader = per_day.idxmax(axis=1).dropna().astype(int)
    if len(leader) == 0:
        return []
    counts = np.bincount(leader.to_numpy(), minlength=7)
    top = int(np.argmax(counts))
    return [
        f"{WEEKDAYS[top]} has the most orders per day in {counts[top]} of {len(leader)} "
        f"months" + (": a steady habit." if counts[top] >= 0.6 * len(leader) else "."),
        *_months_note(df),
    ]


def _months_note(df: pd.DataFrame) -> list[str]:
    """Return the note that older months were left out (a calendar table's ``capped``)."""
    if not df.attrs.get("capped"):
        return []
    return [
        f"Showing the latest {df['month'].nunique():,} of {df.attrs['months_total']:,} months "
        "(a limit that keeps this page quick)."
    ]


def describe_seasonality(df: pd.DataFrame, currency: str | None = None) -> list[str]:
    """Say the strongest and weakest month and the latest year-over-year change.

    From :func:`~analysis.patterns.monthly_seasonality`.
    """
    full = df[df["complete"]]
    if len(full) == 0:
        return ["No calendar month is fully covered by the data yet."]
    out = _months_note(df)
    by_month = full.groupby("month_number")["revenue"].mean()
    if len(by_month) >= 6:
        avg = by_month.mean()
        hi, lo = int(by_month.idxmax()), int(by_month.idxmin())
        out.append(
            f"{MONTHS[hi - 1]} is the strongest month ({_money(by_month[hi], currency)} on average, "
            f"{by_month[hi] / avg - 1:+.0%} against the average month) and "
            f"{MONTHS[lo - 1]} the weakest ({by_month[lo] / avg - 1:+.0%})."
        )
    yoy = full.dropna(subset=["revenue_yoy"])
    if len(yoy):
        last = yoy.iloc[-1]
        out.append(
            f"{last['month_name']} {int(last['year'])} brought {_money(last['revenue'], currency)}, "
            f"{last['revenue_yoy']:+.0%} on the same month a year before "
            f"({last['orders_yoy']:+.0%} in orders)."
        )
        if len(yoy) >= 3:
            recent = yoy.tail(3)
            growth = recent["revenue"].sum() / recent["revenue_last_year"].sum() - 1
            out.append(
                f"Over the last three complete months compared with a year before, revenue is "
                f"{growth:+.0%}."
            )
    else:
        out.append("The data cover less than two years, so no year-over-year change yet.")
    partial = df[~df["complete"]]
    if len(partial):
        out.append(
            "Months the data only partly cover ("
            + ", ".join(partial["month"].astype("str"))
            + ") are drawn lighter and left out of these comparisons."
        )
    return out


def describe_reorder(s: ReorderSummary) -> list[str]:
    """Median reorder time and the share back within each window."""
    if s.customers == 0:
        return ["There are no purchases yet."]
    out = []
    if s.gaps:
        out.append(
            f"{share(s.repeat_customers / s.customers)} of customers bought on more than one day. "
            f"Half of all reorders come within {s.median_days:.0f} days of the previous "
            f"purchase (average {s.mean_days:.0f} days)."
        )
    else:
        out.append("No customer has bought on two different days yet.")
    rows = [r for r in s.within.itertuples() if r.eligible]
    if rows:
        first, rest = rows[0], rows[1:]
        text = (
            f"Of new customers, {share(first.share)} came back within {first.days} days of their "
            f"first purchase"
        )
        if rest:
            text += (
                ", "
                + ", ".join(f"{share(r.share)} within {r.days}" for r in rest[:-1])
                + (" and " if len(rest) > 1 else "")
                + f"{share(rest[-1].share)} within {rest[-1].days}"
            )
        out.append(text + " (counting only customers whose first purchase is long enough ago).")
    return out


def describe_reorder_by_item(df: pd.DataFrame, column: str) -> list[str]:
    """Say which items are reordered soonest and last, from :func:`~analysis.patterns.reorder_by_item`."""
    if len(df) < 2:
        return []
    fast, slow = df.iloc[0], df.iloc[-1]
    return [
        f"{md_escape(fast[column])} is bought again soonest (median {fast['median_days']:.0f} days between "
        f"purchases), {md_escape(slow[column])} last ({slow['median_days']:.0f} days): a reminder timed "
        f"to the typical gap arrives when the customer is about to need it."
    ]


def describe_top_items(df: pd.DataFrame, column: str) -> list[str]:
    """Say how concentrated sales are and which item keeps customers, from :func:`~analysis.patterns.top_items`."""
    if len(df) == 0:
        return []
    word = column
    first = df.iloc[0]
    out = []
    if df.attrs.get("by", "revenue") == "revenue":
        top5 = df["revenue_share"].head(5).sum()
        out.append(
            f"{md_escape(first[column])} is the top {word} by revenue ({share(first['revenue_share'])} of "
            f"item revenue); the top {min(5, len(df))} bring {share(top5)} of "
            f"{plural(df.attrs.get('items', len(df)), word, _PLURALS.get(word))}."
        )
    big = df[df["customers"] >= 10]
    if len(big) >= 2:
        best = big.loc[big["repeat_rate"].idxmax()]
        out.append(
            f"Among these, {md_escape(best[column])} has the most loyal buyers: "
            f"{share(best['repeat_rate'])} of its {int(best['customers']):,} customers bought it "
            f"again."
        )
    return out


def describe_first_orders(df: pd.DataFrame, column: str, *, min_eligible: int = 30) -> list[str]:
    """Say what first orders hold and which items bring customers back.

    From :func:`~analysis.patterns.first_order_items`. Only items with ``min_eligible`` counted
    customers are compared, and only intervals that exclude the overall rate are called better
    or worse.
    """
    if len(df) == 0:
        return []
    overall = df.attrs.get("overall_return_rate", np.nan)
    w = df.attrs.get("within_days")
    window = f"within {w} days" if w else "later"
    first = df.iloc[0]
    out = [
        f"{share(first['first_order_share'])} of first orders include {md_escape(first[column])}, the most "
        f"common way in."
    ]
    ok = df[df["eligible"] >= min_eligible]
    if np.isfinite(overall) and len(ok) >= 2:
        out.append(f"Overall {share(overall)} of new customers came back {window}.")
        better = ok[ok["low"] > overall].sort_values("return_rate", ascending=False)
        worse = ok[ok["high"] < overall].sort_values("return_rate")
        if len(better):
            b = better.iloc[0]
            out.append(
                f"Customers whose first order included {md_escape(b[column])} came back more often: "
                f"{share(b['return_rate'])} (95% interval {share(b['low'])} to {share(b['high'])}, "
                f"{int(b['eligible']):,} customers)."
            )
        if len(worse):
            b = worse.iloc[0]
            out.append(
                f"Those who started with {md_escape(b[column])} came back less often: "
                f"{share(b['return_rate'])} (95% interval {share(b['low'])} to {share(b['high'])})."
            )
        if not len(better) and not len(worse):
            out.append(
                f"No {column} stands out: every difference is within what chance alone gives."
            )
    return out


def describe_rules(rules: pd.DataFrame) -> list[str]:
    """Say the minimum support chosen and the strongest rule, from :func:`~analysis.patterns.association_rules`."""
    a = rules.attrs
    n = a.get("orders", 0)
    if n == 0:
        return ["There are no orders with items to compare."]
    how = "chosen so the list stays readable" if a.get("chosen") else "as set"
    out = [
        f"Pairs bought together in at least {share(a['min_support'])} of the {n:,} orders "
        f"({a['min_orders']:,} orders or more; threshold {how}) give {len(rules):,} rules."
    ]
    strong = rules[rules["lift"] > 1]
    if len(strong):
        r = strong.iloc[0]
        out.append(
            f"Strongest: {share(r['confidence'])} of orders with {md_escape(r['antecedent'])} also hold "
            f"{md_escape(r['consequent'])}, {r['lift']:.1f} times as often as orders in general "
            f"({int(r['orders']):,} orders)."
        )
    elif len(rules):
        out.append("No pair is bought together more often than chance would give.")
    else:
        out.append("No pair of items is bought together often enough to count.")
    if a.get("capped"):
        out.append(
            f"Only the {a['items_considered']:,} items in the most orders were paired up "
            "(a limit that keeps this page quick); rarer items are left out of the rules."
        )
    return out


def describe_recommendations(recs: pd.DataFrame) -> list[str]:
    """How many customers get suggestions and the most suggested item."""
    a = recs.attrs
    cap = []
    if a.get("capped"):
        cap = [
            f"Suggestions come from the {a['items_considered']:,} items bought by the most "
            f"customers, of {a['usable_items']:,} with enough buyers (a limit that keeps this "
            "page quick)."
        ]
    if len(recs) == 0:
        return ["No recommendations: customers' purchases do not overlap enough yet.", *cap]
    top = recs[recs["rank"] == 1]["item"].value_counts()
    return [
        f"{recs['customer_id'].nunique():,} customers get suggestions; {md_escape(top.index[0])} is the "
        f"most frequent first suggestion ({int(top.iloc[0]):,} customers).",
        *cap,
    ]


def describe_order_values(s: OrderValueSummary, currency: str | None = None) -> list[str]:
    """Say the typical order value and the skew, from :func:`~analysis.patterns.order_value_summary`."""
    if s.orders == 0:
        return ["There are no purchase orders."]
    out = [
        f"Half of the orders are worth between {_money(s.p25, currency)} and {_money(s.p75, currency)} (median "
        f"{_money(s.median, currency)}); one in ten is above {_money(s.p90, currency)}."
    ]
    if s.mean > 1.2 * s.median:
        out.append(
            f"The average ({_money(s.mean, currency)}) sits well above the median: a few large orders pull "
            f"it up, so the median is the better 'typical order'."
        )
    return out


def describe_spend(
    df: pd.DataFrame, by: str, *, min_customers: int = 10, currency: str | None = None
) -> list[str]:
    """Say which group spends most per customer, from :func:`~analysis.patterns.spend_per_customer`.

    Only groups with at least ``min_customers`` customers are compared.
    """
    df = df[(df[by] != OTHER_LABEL) & (df["customers"] >= min_customers)]
    if len(df) < 2:
        return []
    hi = df.loc[df["revenue_per_customer"].idxmax()]
    lo = df.loc[df["revenue_per_customer"].idxmin()]
    if by == "segment":
        who = f"Customers in the {md_escape(hi[by])} segment"
        other = f"the {md_escape(lo[by])} segment"
    else:
        who = f"Customers first won through the {by} {md_escape(hi[by])}"
        other = f"those from {md_escape(lo[by])}"
    return [
        f"{who} spend the most: {_money(hi['revenue_per_customer'], currency)} each on average (median "
        f"{_money(hi['median_per_customer'], currency)}), against {_money(lo['revenue_per_customer'], currency)} for "
        f"{other}."
    ]


def describe_price_bands(
    df: pd.DataFrame, by: str | None, currency: str | None = None
) -> list[str]:
    """Say where prices sit, from :func:`~analysis.patterns.price_bands`."""
    if len(df) == 0:
        return []
    name = by or "group"
    if len(df) == 1:
        r = df.iloc[0]
        return [
            f"Half of the lines sell at {_money(r['p25'], currency)} to {_money(r['p75'], currency)} per unit "
            f"(median {_money(r['median'], currency)})."
        ]
    hi = df.loc[df["median"].idxmax()]
    lo = df.loc[df["median"].idxmin()]
    wide = df.assign(width=df["p90"] / df["p10"]).sort_values("width").iloc[-1]
    return [
        f"{md_escape(hi[name])} is the priciest {by} (median {_money(hi['median'], currency)} per unit), "
        f"{md_escape(lo[name])} the cheapest ({_money(lo['median'], currency)}).",
        f"{md_escape(wide[name])} has the widest range: the middle 80% of lines sell between "
        f"{_money(wide['p10'], currency)} and {_money(wide['p90'], currency)}.",
    ]


def describe_discounts(df: pd.DataFrame) -> list[str]:
    """Say the share of revenue sold at a discount, from :func:`~analysis.patterns.discount_share`."""
    if len(df) == 0:
        return []
    full = df.loc[df["kind"] == "Full price", "revenue_share"]
    out = []
    rest = 1 - float(full.iloc[0]) if len(full) else np.nan
    out.append(f"{share(rest)} of revenue comes from discounted or low-price lines.")
    for r in df.itertuples():
        if r.kind == "Discount code":
            out.append(
                f"{share(r.revenue_share)} of revenue ({share(r.line_share)} of lines) used a "
                f"discount code (column '{md_escape(df.attrs.get('discount_column'))}')."
            )
        elif r.kind == "Below usual price":
            ratio = df.attrs.get("low_price_ratio", 0.9)
            out.append(
                f"{share(r.revenue_share)} of revenue sold at least {1 - ratio:.0%} below the "
                f"product's usual price without a code."
            )
    return out


def describe_breakdown(table: pd.DataFrame, column: str, currency: str | None = None) -> list[str]:
    """Top value's share of revenue and orders, from :func:`analysis.overview.top_breakdown`."""
    if len(table) == 0:
        return []
    first = table.iloc[0]
    total_orders = table["orders"].sum()
    out = [
        f"{md_escape(first[column])} brings {share(first['revenue_share'])} of net revenue "
        f"({int(first['orders']):,} orders)."
    ]
    if len(table) >= 2 and total_orders:
        with np.errstate(divide="ignore", invalid="ignore"):
            aov = table["net_revenue"] / table["orders"]
        named = table[table[column] != OTHER_LABEL].assign(aov=aov)
        named = named[named["orders"] >= 20]
        if len(named) >= 2:
            hi = named.loc[named["aov"].idxmax()]
            lo = named.loc[named["aov"].idxmin()]
            out.append(
                f"Revenue per order is highest in {md_escape(hi[column])} ({_money(hi['aov'], currency)}) and lowest "
                f"in {md_escape(lo[column])} ({_money(lo['aov'], currency)})."
            )
    return out


def describe_channel_acquisition(df: pd.DataFrame, column: str) -> list[str]:
    """Say which channel brings most new customers and which keeps them.

    From :func:`~analysis.patterns.channel_acquisition`.
    """
    if len(df) == 0:
        return []
    top = df.iloc[0]
    out = [
        f"{md_escape(top[column])} brought the most new customers: {int(top['new_customers']):,} "
        f"({share(top['share'])})."
    ]
    k = df.attrs.get("at", (1,))[0]
    col = f"month_{k}"
    ok = df[(df[f"{col}_customers"] >= 30) & df[col].notna() & (df[column] != OTHER_LABEL)]
    if len(ok) >= 2:
        hi = ok.loc[ok[col].idxmax()]
        lo = ok.loc[ok[col].idxmin()]
        separated = hi[f"{col}_low"] > lo[f"{col}_high"]
        verdict = (
            "a real difference (the 95% intervals do not overlap)"
            if separated
            else "but the intervals overlap, so this may be chance"
        )
        month = "the month after their first purchase" if k == 1 else f"{k} months after"
        out.append(
            f"Customers from {md_escape(hi[column])} come back best: {share(hi[col])} buy again in {month}, "
            f"against {share(lo[col])} from {md_escape(lo[column])}; {verdict}."
        )
    return out


# Extreme amounts (1e300) give inf/nan figures, never an error (analysis.core.floats).
make_float_safe(globals(), __all__)
