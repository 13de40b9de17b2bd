"""RFM segments: recency, frequency and monetary value per customer, scored and named.

Definitions (the shared ones, ``as_of`` and purchase/refund orders, are in
:mod:`analysis.orders`):

- **recency**: whole calendar days from the customer's last *purchase order* date to ``as_of``
  (``as_of`` is exclusive, so a purchase on the last observed day has recency 1);
- **frequency**: number of purchase orders (orders whose net value is >= 0);
- **monetary**: the customer's net revenue, every observed amount summed (purchases minus
  refunds), in the data's currency.

Customers whose only orders before ``as_of`` are refund orders have no purchase, so no recency:
they are left out and counted in ``rfm.attrs["refund_only_customers"]`` (and a sentence in
``rfm.attrs["warnings"]``).

**Scores** (1..bins, higher is better) come from :func:`score_edges` / :func:`score_values`:
cut points taken from the distribution of the customers' values (not from row ranks), so equal
values always get equal scores; a value that holds a large share of customers (typically "bought
once") gets one score of its own and the remaining scores are spread over the values above it.

**Segments** are named on the recency x frequency grid by a rules table (see
:func:`default_segment_rules`) written for scores 1..5. With ``bins`` other than 5 the scores are
first mapped onto the 1..5 grid with :func:`to_five_point` (the lowest score maps to 1, the highest
to 5, the others in between, rounded), so the same rules work for any number of bins.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.core.floats import make_float_safe
from analysis.core.orders import order_table, orders_frame, resolve_as_of
from analysis.core.text import md_escape

__all__ = [
    "MAX_ATTRIBUTE_COLUMNS",
    "GRID",
    "NEW",
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
    "migration_sentences",
    "customer_attributes",
    "segment_customers",
    "customer_orders",
    "example_customer",
    "worked_example",
    "describe_score_cuts",
    "summary_sentences",
    "rfm_clusters",
]

GRID = 5

MAX_ATTRIBUTE_COLUMNS = 50
"""Most extra columns :func:`customer_attributes` looks at (the first ones, in the file's
order): its work grows with lines x columns, and a file with thousands of columns would
otherwise make the RFM page slow for contact details nobody reads past the first few."""
"""Segment rules are written for scores 1..5 on both axes."""
NEW = "new"
"""Label of the 'previous segment' of customers who had not bought yet at the earlier date."""
UNASSIGNED = "Unassigned"
"""Segment of customers whose grid cell no (edited) rule covers."""

RULE_COLUMNS = ["segment", "r_min", "r_max", "f_min", "f_max", "description", "action"]
_RANGE_COLUMNS = ["r_min", "r_max", "f_min", "f_max"]

_DEFAULT_RULES = [
    (
        "Champions",
        5,
        5,
        4,
        5,
        "Bought very recently and buy often: your best customers.",
        "Thank them, give early access to new products, ask for reviews and referrals.",
    ),
    (
        "Loyal Customers",
        3,
        4,
        4,
        5,
        "Buy often and fairly recently.",
        "Offer a loyalty programme or membership; recommend related products.",
    ),
    (
        "Potential Loyalists",
        4,
        5,
        2,
        3,
        "Recent customers who have bought a few times.",
        "Encourage the next order: bundles, a personal recommendation, a loyalty invitation.",
    ),
    (
        "New Customers",
        5,
        5,
        1,
        1,
        "Made their first purchase very recently.",
        "Welcome them, help them get started, make the second order easy.",
    ),
    (
        "Promising",
        4,
        4,
        1,
        1,
        "Bought once, fairly recently.",
        "Build the relationship: a follow-up message, a small offer on a second order.",
    ),
    (
        "Need Attention",
        3,
        3,
        3,
        3,
        "Average recency and frequency: could go either way.",
        "Reach out with a limited-time offer or a recommendation based on past purchases.",
    ),
    (
        "About to Sleep",
        3,
        3,
        1,
        2,
        "Bought once or twice, a while ago, and are drifting away.",
        "Remind them of you: popular products, a gentle discount.",
    ),
    (
        "At Risk",
        1,
        2,
        3,
        4,
        "Used to buy regularly but have not bought for a long time.",
        "Win them back now: a personal message, a good offer, ask what went wrong.",
    ),
    (
        "Can't Lose Them",
        1,
        2,
        5,
        5,
        "Were among your most frequent buyers but have not come back for a long time.",
        "Contact them personally, find out why they left, make a strong win-back offer.",
    ),
    (
        "Hibernating",
        1,
        2,
        1,
        2,
        "Bought once or twice, long ago.",
        "Low priority: include them in general campaigns, do not overspend on them.",
    ),
]


def default_segment_rules() -> pd.DataFrame:
    """The default named segments as a rules table (a fresh copy, safe to edit).

    Returns
    -------
    DataFrame
        Columns ``segment``, ``r_min``, ``r_max``, ``f_min``, ``f_max`` (inclusive score
        ranges on the 1..5 recency x frequency grid), ``description`` and ``action``. The ten
        rules cover each of the 25 grid cells exactly once.
    """
    rules = pd.DataFrame(_DEFAULT_RULES, columns=RULE_COLUMNS)
    return rules.astype({c: "int64" for c in _RANGE_COLUMNS})


# --------------------------------------------------------------------------------------------
# Rules: validation and coverage
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleCheck:
    """Result of :func:`check_rules`.

    Attributes
    ----------
    rules : DataFrame
        The usable rules (rows with a name and valid ranges), in the given order.
    problems : list of str
        Plain-language reasons why rows were ignored.
    uncovered : list of (r, f)
        Grid cells (1..5 each) that no rule covers; their customers are ``Unassigned``.
    overlaps : list of (r, f, names)
        Cells covered by more than one rule; the first matching rule (table order) wins.
    """

    rules: pd.DataFrame
    problems: list[str] = field(default_factory=list)
    uncovered: list[tuple[int, int]] = field(default_factory=list)
    overlaps: list[tuple[int, int, tuple[str, ...]]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every row is valid and every cell is covered exactly once."""
        return not (self.problems or self.uncovered or self.overlaps)

    def messages(self) -> list[str]:
        """Plain-language sentences describing every problem (empty when ``ok``)."""
        out = list(self.problems)
        if self.uncovered:
            cells = ", ".join(f"R{r} F{f}" for r, f in self.uncovered)
            n = len(self.uncovered)
            out.append(
                f"{n} grid cell{'s are' if n > 1 else ' is'} not covered by any rule ({cells}); "
                f"customers there are shown as '{UNASSIGNED}'."
            )
        if self.overlaps:
            cells = "; ".join(f"R{r} F{f}: {' and '.join(names)}" for r, f, names in self.overlaps)
            n = len(self.overlaps)
            out.append(
                f"{n} grid cell{'s are' if n > 1 else ' is'} covered by more than one rule "
                f"({cells}); the rule higher in the table wins."
            )
        return out


def check_rules(rules: pd.DataFrame | None = None) -> RuleCheck:
    """Validate a segment rules table and check that it partitions the 5 x 5 grid.

    Parameters
    ----------
    rules : DataFrame or None
        Columns as in :func:`default_segment_rules` (``description`` and ``action`` are
        optional). ``None`` means the default rules. Rows without a segment name are ignored
        silently (empty rows added in an editor); rows with missing, non-integer, out-of-range
        (outside 1..5) or reversed (min > max) ranges are ignored with a message.

    Returns
    -------
    RuleCheck
        The usable rules, the problems, the uncovered cells and the cells covered twice or more.
    """
    if rules is None:
        rules = default_segment_rules()
    missing = [c for c in ["segment", *_RANGE_COLUMNS] if c not in rules.columns]
    if missing:
        raise ValueError(f"The rules table needs the columns {', '.join(missing)}.")
    frame = rules.reset_index(drop=True)
    names = frame["segment"].astype("str").str.strip()
    named = frame["segment"].notna() & names.ne("") & names.ne("nan")
    ranges = frame[_RANGE_COLUMNS].apply(pd.to_numeric, errors="coerce")
    problems = []
    keep = []
    for i in np.flatnonzero(named.to_numpy()):
        row = ranges.iloc[i].to_numpy(dtype=float)
        name = names.iloc[i]
        if np.isnan(row).any() or (row != np.round(row)).any():
            problems.append(f"Rule '{name}' is ignored: its score ranges must be whole numbers.")
        elif (row < 1).any() or (row > GRID).any():
            problems.append(f"Rule '{name}' is ignored: scores must be between 1 and {GRID}.")
        elif row[0] > row[1] or row[2] > row[3]:
            problems.append(f"Rule '{name}' is ignored: a minimum is larger than its maximum.")
        else:
            keep.append(i)
    clean = pd.DataFrame(
        {
            "segment": names.iloc[keep].to_numpy(dtype=object).astype(str),
            **{c: ranges[c].iloc[keep].to_numpy().astype(np.int64) for c in _RANGE_COLUMNS},
            **{
                c: (frame[c].iloc[keep] if c in frame else pd.Series([""] * len(keep)))
                .fillna("")
                .astype("str")
                .to_numpy()
                for c in ("description", "action")
            },
        }
    ).astype({"segment": "str", "description": "str", "action": "str"})
    covering = _covering_rules(clean)
    uncovered = [(r + 1, f + 1) for r in range(GRID) for f in range(GRID) if not covering[r][f]]
    overlaps = [
        (r + 1, f + 1, tuple(clean["segment"].iloc[j] for j in covering[r][f]))
        for r in range(GRID)
        for f in range(GRID)
        if len(covering[r][f]) > 1
    ]
    return RuleCheck(rules=clean, problems=problems, uncovered=uncovered, overlaps=overlaps)


def _covering_rules(clean: pd.DataFrame) -> list[list[list[int]]]:
    """For each (r-1, f-1) grid cell, the positions of the rules that cover it."""
    cells = [[[] for _ in range(GRID)] for _ in range(GRID)]
    for j, (r0, r1, f0, f1) in enumerate(clean[_RANGE_COLUMNS].itertuples(index=False)):
        for r in range(r0, r1 + 1):
            for f in range(f0, f1 + 1):
                cells[r - 1][f - 1].append(j)
    return cells


def _segment_lookup(clean: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """A 5 x 5 array of category codes (first matching rule wins) and the category names.

    Names are the distinct rule names in table order, plus ``Unassigned`` when a cell is
    uncovered.
    """
    names = list(dict.fromkeys(clean["segment"].tolist()))
    code_of = {name: k for k, name in enumerate(names)}
    lookup = np.full((GRID, GRID), -1, dtype=np.int64)
    for r, row in enumerate(_covering_rules(clean)):
        for f, matches in enumerate(row):
            if matches:
                lookup[r, f] = code_of[clean["segment"].iloc[matches[0]]]
    if (lookup < 0).any():
        lookup[lookup < 0] = len(names)
        names.append(UNASSIGNED)
    return lookup, names


# --------------------------------------------------------------------------------------------
# Scoring
# --------------------------------------------------------------------------------------------


def score_edges(values, bins: int = 5) -> np.ndarray:
    """Cut points for scoring ``values`` into 1..bins, higher values better.

    The score of a value ``v`` is ``1 + (number of cut points strictly below v)``, so the score
    intervals are ``(-inf, e1], (e1, e2], ..., (e_last, inf)``. The cut points are chosen from
    the distribution of the values (not from row ranks), working inwards with ``k`` scores
    still to give (``k = bins`` at the start) over the values not yet scored:

    1. If one distinct value remains, it takes the lowest remaining score; no more cut points.
    2. If the lowest remaining value holds at least ``1/k`` of the remaining customers (for
       example "bought once" for frequency), it gets a score of its own: it becomes a cut
       point, it is set aside, and the step repeats with ``k - 1`` scores over the values
       above it. This is how skewed data is handled: all one-time buyers share frequency
       score 1 and the other scores still spread the repeat buyers.
    3. Else, if the highest remaining value holds more than ``1/k`` of them (for example many
       customers who bought on the last day), it gets the top remaining score of its own (the
       cut point is the next lower value) and the step repeats with ``k - 1`` scores.
    4. Otherwise the cut points are the remaining values' quantiles at ``1/k, ..., (k-1)/k``
       using the inverted empirical distribution (the smallest value whose cumulative share
       reaches the level, always an observed value), with duplicates dropped.

    Because the cut points are values, equal values always get equal scores, the scores never
    decrease as the value grows, and they always run 1, 2, ... without gaps. With few distinct
    values (or a large block of equal values in the middle) fewer than ``bins`` scores are
    used: one distinct value gives everyone 1, two give 1 and 2.

    Parameters
    ----------
    values : array-like of float
        One value per customer (NaN is not allowed).
    bins : int
        Number of scores, at least 2.

    Returns
    -------
    ndarray of float64
        Sorted, distinct cut points; at most ``bins - 1`` of them.
    """
    if bins < 2:
        raise ValueError("bins must be at least 2.")
    s = np.sort(np.asarray(values, dtype=np.float64))
    if np.isnan(s).any():
        raise ValueError("Scores cannot be computed for missing values.")
    low: list[float] = []
    high: list[float] = []
    middle: list[float] = []
    start, stop = 0, len(s)
    k = bins
    while k > 1 and start < stop and s[start] != s[stop - 1]:
        rest = s[start:stop]
        n = len(rest)
        # Inverted-CDF quantile at level j/k: the ceil(j*n/k)-th smallest value (1-based),
        # computed in integers so that no rounding can move a cut point.
        j = np.arange(1, k)
        q = rest[(j * n + k - 1) // k - 1]
        if q[0] == rest[0]:
            # The lowest value fills the lowest remaining score on its own.
            low.append(float(rest[0]))
            start += int(np.searchsorted(rest, rest[0], side="right"))
        elif q[-1] == rest[-1]:
            # The highest value holds more than its share: the top remaining score is its own.
            below = int(np.searchsorted(rest, rest[-1], side="left"))
            high.append(float(rest[below - 1]))
            stop = start + below
        else:
            middle = np.unique(q).tolist()
            break
        k -= 1
    return np.asarray(low + middle + high[::-1], dtype=np.float64)


def score_values(values, bins: int = 5, *, higher_is_better: bool = True) -> np.ndarray:
    """Score each value 1..bins with the cut points of :func:`score_edges`.

    Parameters
    ----------
    values : array-like of float
        One value per customer.
    bins : int
        Number of scores.
    higher_is_better : bool
        If False (recency: fewer days is better) the values are negated first, so the lowest
        value gets the highest score and a large block of equal *highest* values shares score 1.

    Returns
    -------
    ndarray of int64
        Scores in 1..bins.
    """
    x = np.asarray(values, dtype=np.float64)
    if not higher_is_better:
        x = -x
    edges = score_edges(x, bins)
    return 1 + np.searchsorted(edges, x, side="left").astype(np.int64)


def to_five_point(scores, bins: int) -> np.ndarray:
    """Map scores 1..bins onto the 1..5 grid of the segment rules.

    ``score5 = floor(1 + (score - 1) * 4 / (bins - 1) + 0.5)``: the lowest score maps to 1, the
    highest to 5, the others spread evenly in between (rounded half up). bins=5 is unchanged;
    bins=4 maps 1,2,3,4 to 1,2,4,5; bins=3 maps 1,2,3 to 1,3,5.
    """
    s = np.asarray(scores, dtype=np.int64)
    if bins == GRID:
        return s
    return np.floor(1 + (s - 1) * (GRID - 1) / (bins - 1) + 0.5).astype(np.int64)


def date_bounds(tx: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First transaction day and the default ``as_of`` (the day after the last one), midnights."""
    first = pd.Timestamp(tx["order_date"].min()).normalize()
    return first, resolve_as_of(tx)


# --------------------------------------------------------------------------------------------
# The RFM table
# --------------------------------------------------------------------------------------------

_SCORED = {"recency": False, "frequency": True, "monetary": True}


@functools.cache
def _default_rules_compiled() -> tuple[np.ndarray, list[str], list[dict]]:
    clean = check_rules(None).rules
    lookup, names = _segment_lookup(clean)
    lookup.setflags(write=False)
    return lookup, names, clean.to_dict("records")


@functools.cache
def _code_strings() -> pd.api.extensions.ExtensionArray:
    """``"000"`` .. ``"999"``: the RFM code of scores r, f, m is entry ``100r + 10f + m``."""
    return pd.array([f"{i:03d}" for i in range(1000)], dtype="str")


def rfm_table(
    tx: pd.DataFrame, *, as_of=None, bins: int = 5, rules: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Recency, frequency and monetary value, their scores and a named segment per customer.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions (``customer_id``, ``order_id``, ``order_date``, ``amount``).
    as_of : date-like or None
        End of observation, exclusive (default: the day after the last transaction date).
        Lines on or after it are ignored.
    bins : int
        Number of scores per measure, 2..9 (default 5).
    rules : DataFrame or None
        Segment rules on the 1..5 grid (default :func:`default_segment_rules`); invalid rows
        are ignored, uncovered cells give ``Unassigned``, overlaps go to the first rule.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (customers with at least one purchase order before
        ``as_of``, in order of first appearance), with columns:

        - ``recency`` (int64): days from the last purchase order date to ``as_of`` (>= 1);
        - ``frequency`` (int64): number of purchase orders;
        - ``monetary`` (float64): net revenue, all observed amounts summed (refunds included);
        - ``r_score``, ``f_score``, ``m_score`` (int64, 1..bins, higher is better: recent,
          frequent, high spend), cut by :func:`score_edges` over these customers' values;
        - ``rfm_code`` (str, e.g. ``"545"``) and ``segment`` (categorical, rule order).

        ``attrs`` holds ``as_of`` (Timestamp), ``bins``, ``edges`` (cut points per measure, in
        the measure's own units; recency cut points are days: score = 1 + number of cut points
        strictly above the recency), ``refund_only_customers`` (count of customers left out)
        and ``warnings`` (plain sentences for the page).
    """
    if not 2 <= int(bins) <= 9:
        raise ValueError("bins must be between 2 and 9.")
    bins = int(bins)
    if rules is None:
        lookup, names, rule_records = _default_rules_compiled()
    else:
        clean = check_rules(rules).rules
        lookup, names = _segment_lookup(clean)
        rule_records = clean.to_dict("records")
    ot = order_table(tx, as_of) if len(tx) else None
    as_of_ts = ot.as_of if ot is not None else resolve_as_of(tx, as_of)
    cutoff = (as_of_ts - pd.Timestamp("1970-01-01")).days
    if ot is None:
        n_cust = 0
        frequency = np.zeros(0, dtype=np.int64)
        last_day = np.zeros(0, dtype=np.int64)
        monetary = np.zeros(0)
        customers = pd.Index([], dtype="str", name="customer_id")
    else:
        n_cust = ot.n_customers
        purchase = ot.is_purchase
        buyer = ot.customer[purchase]
        frequency = np.bincount(buyer, minlength=n_cust).astype(np.int64)
        last_day = np.full(n_cust, np.iinfo(np.int64).min, dtype=np.int64)
        np.maximum.at(last_day, buyer, ot.day[purchase])
        monetary = ot.customer_net()
        customers = ot.customers
    has_purchase = frequency > 0
    refund_only = int(n_cust - has_purchase.sum())
    keep = np.flatnonzero(has_purchase)
    frequency = frequency[keep]
    recency = cutoff - last_day[keep]
    monetary = monetary[keep]
    index = pd.Index(customers.take(keep), name="customer_id")

    return _scored(
        index,
        recency,
        frequency,
        monetary,
        as_of_ts=as_of_ts,
        bins=bins,
        lookup=lookup,
        names=names,
        rule_records=rule_records,
        refund_only=refund_only,
    )


def _scored(
    index: pd.Index,
    recency: np.ndarray,
    frequency: np.ndarray,
    monetary: np.ndarray,
    *,
    as_of_ts: pd.Timestamp,
    bins: int,
    lookup: np.ndarray,
    names: list[str],
    rule_records: list[dict],
    refund_only: int,
) -> pd.DataFrame:
    """Scores, codes and segments for given recency, frequency and monetary values."""
    measures = {"recency": recency, "frequency": frequency, "monetary": monetary}
    scores = {}
    edges = {}
    for name, values in measures.items():
        better_high = _SCORED[name]
        x = values.astype(np.float64) if better_high else -values.astype(np.float64)
        e = score_edges(x, bins) if len(x) else np.zeros(0)
        scores[name] = 1 + np.searchsorted(e, x, side="left").astype(np.int64)
        edges[name] = (e if better_high else -e[::-1]).tolist()

    r, f, m = scores["recency"], scores["frequency"], scores["monetary"]
    seg_codes = lookup[to_five_point(r, bins) - 1, to_five_point(f, bins) - 1]
    rfm_code = _code_strings().take(r * 100 + f * 10 + m)

    out = pd.DataFrame(
        {
            "recency": recency.astype(np.int64),
            "frequency": frequency,
            "monetary": monetary.astype(np.float64),
            "r_score": r,
            "f_score": f,
            "m_score": m,
            "rfm_code": rfm_code,
            "segment": pd.Categorical.from_codes(seg_codes, categories=names),
        },
        index=index,
    )
    warnings = []
    if refund_only:
        who = "customer has" if refund_only == 1 else "customers have"
        warnings.append(
            f"{refund_only:,} {who} only refunds (no purchase) before {as_of_ts:%Y-%m-%d}; "
            "they are left out of the RFM table."
        )
    out.attrs = {
        "as_of": as_of_ts,
        "bins": bins,
        "edges": edges,
        "refund_only_customers": refund_only,
        "warnings": warnings,
        "rules": [dict(rec) for rec in rule_records],
    }
    return out


def rfm_from_values(
    values: pd.DataFrame,
    *,
    as_of,
    bins: int = 5,
    rules: pd.DataFrame | None = None,
    refund_only_customers: int = 0,
) -> pd.DataFrame:
    """Score recency, frequency and monetary values aggregated elsewhere (e.g. in a database).

    Parameters
    ----------
    values : DataFrame
        Indexed by ``customer_id``, with ``recency`` (days, int), ``frequency`` (purchase
        orders, int) and ``monetary`` (net revenue, float), as :func:`rfm_table` defines them.
    as_of : date-like
        The end of observation (exclusive) the values were computed at.
    bins, rules
        As for :func:`rfm_table`.
    refund_only_customers : int
        Customers left out because they only have refunds (reported in ``attrs``).

    Returns
    -------
    DataFrame
        The same table :func:`rfm_table` returns for the transactions behind ``values``.
    """
    if not 2 <= int(bins) <= 9:
        raise ValueError("bins must be between 2 and 9.")
    if rules is None:
        lookup, names, rule_records = _default_rules_compiled()
    else:
        clean = check_rules(rules).rules
        lookup, names = _segment_lookup(clean)
        rule_records = clean.to_dict("records")
    return _scored(
        pd.Index(values.index, name="customer_id"),
        values["recency"].to_numpy(dtype=np.int64),
        values["frequency"].to_numpy(dtype=np.int64),
        values["monetary"].to_numpy(dtype=np.float64),
        as_of_ts=pd.Timestamp(as_of).normalize(),
        bins=int(bins),
        lookup=lookup,
        names=names,
        rule_records=rule_records,
        refund_only=int(refund_only_customers),
    )


def _rules_from(rfm: pd.DataFrame, rules: pd.DataFrame | None) -> pd.DataFrame:
    if rules is not None:
        return check_rules(rules).rules
    stored = rfm.attrs.get("rules")
    return pd.DataFrame(stored, columns=RULE_COLUMNS) if stored else default_segment_rules()


def segment_summary(rfm: pd.DataFrame, rules: pd.DataFrame | None = None) -> pd.DataFrame:
    """Customers, revenue and average R, F, M per segment.

    Parameters
    ----------
    rfm : DataFrame
        Output of :func:`rfm_table`.
    rules : DataFrame or None
        Rules for the description and action columns (default: those ``rfm`` was built with).

    Returns
    -------
    DataFrame
        One row per segment in rule order (empty segments included, with zero customers):
        ``segment``, ``customers``, ``customer_share`` (0..1), ``revenue`` (net, sum of
        ``monetary``), ``revenue_share`` (of total net revenue; NaN if the total is not
        positive), ``mean_recency`` (days), ``mean_frequency`` (orders), ``mean_monetary``,
        ``description``, ``action``.
    """
    seg = rfm["segment"]
    if not isinstance(seg.dtype, pd.CategoricalDtype):
        seg = seg.astype("category")
    grouped = rfm.groupby(seg, observed=False, sort=True)
    out = pd.DataFrame(
        {
            "customers": grouped.size().astype(np.int64),
            "revenue": grouped["monetary"].sum(),
            "mean_recency": grouped["recency"].mean(),
            "mean_frequency": grouped["frequency"].mean(),
            "mean_monetary": grouped["monetary"].mean(),
        }
    )
    out.index = pd.Index(out.index.astype("str"), name="segment")
    total_customers = len(rfm)
    total_revenue = float(rfm["monetary"].sum())
    out.insert(
        1,
        "customer_share",
        out["customers"] / total_customers if total_customers else np.nan,
    )
    out.insert(3, "revenue_share", out["revenue"] / total_revenue if total_revenue > 0 else np.nan)
    text = _rules_from(rfm, rules).drop_duplicates("segment").set_index("segment")
    out["description"] = text["description"].reindex(out.index).fillna("").astype("str")
    out["action"] = text["action"].reindex(out.index).fillna("").astype("str")
    if UNASSIGNED in out.index:
        out.loc[UNASSIGNED, "description"] = "Customers in grid cells that no rule covers."
        out.loc[UNASSIGNED, "action"] = "Edit the rules so that every cell has a segment."
    out = out.reset_index()
    out.attrs = {}
    return out


def rf_grid(rfm: pd.DataFrame) -> pd.DataFrame:
    """Customers per recency x frequency score cell, with the cell's segment name.

    Returns
    -------
    DataFrame
        One row per cell of the ``bins x bins`` grid (empty cells included): ``r_score``,
        ``f_score``, ``customers``, ``share`` (of all customers), ``revenue`` and ``segment``
        (the segment the cell maps to under the rules ``rfm`` was built with).
    """
    bins = int(rfm.attrs.get("bins", GRID))
    r = rfm["r_score"].to_numpy() - 1
    f = rfm["f_score"].to_numpy() - 1
    cell = r * bins + f
    counts = np.bincount(cell, minlength=bins * bins)
    revenue = np.bincount(cell, weights=rfm["monetary"].to_numpy(), minlength=bins * bins)
    rr, ff = np.divmod(np.arange(bins * bins), bins)
    lookup, names = _segment_lookup(_rules_from(rfm, None))
    seg = np.asarray(names, dtype=object)[
        lookup[to_five_point(rr + 1, bins) - 1, to_five_point(ff + 1, bins) - 1]
    ]
    total = counts.sum()
    return pd.DataFrame(
        {
            "r_score": rr + 1,
            "f_score": ff + 1,
            "customers": counts.astype(np.int64),
            "share": counts / total if total else np.zeros(len(counts)),
            "revenue": revenue,
            "segment": pd.array(seg, dtype="str"),
        }
    )


def score_ranges(rfm: pd.DataFrame) -> pd.DataFrame:
    """The observed value range behind each score, for explaining the cuts.

    Returns
    -------
    DataFrame
        One row per (measure, score) with customers: ``measure`` (recency, frequency,
        monetary), ``score``, ``customers``, ``min`` and ``max`` of the measure's values.
    """
    parts = []
    for measure, col in (("recency", "r_score"), ("frequency", "f_score"), ("monetary", "m_score")):
        g = rfm.groupby(col, sort=True)[measure].agg(["size", "min", "max"])
        parts.append(
            pd.DataFrame(
                {
                    "measure": measure,
                    "score": g.index.to_numpy(dtype=np.int64),
                    "customers": g["size"].to_numpy(dtype=np.int64),
                    "min": g["min"].to_numpy(dtype=np.float64),
                    "max": g["max"].to_numpy(dtype=np.float64),
                }
            )
        )
    if not parts:
        return pd.DataFrame(columns=["measure", "score", "customers", "min", "max"])
    return pd.concat(parts, ignore_index=True)


def distribution_counts(rfm: pd.DataFrame, measure: str, *, max_bars: int = 40) -> pd.DataFrame:
    """Pre-binned distribution of one measure, small enough to chart for any data size.

    Frequency is counted per value (values above the 99th percentile are grouped into the
    last bar); recency and monetary use ``max_bars`` equal-width bins between the 1st and 99th
    percentiles, with the tails folded into the first and last bins.

    Returns
    -------
    DataFrame
        ``start``, ``end`` (bin edges; for frequency both equal the count, the last one may be
        "and more"), ``customers`` and ``label`` (text for the axis).
    """
    values = rfm[measure].to_numpy(dtype=np.float64)
    if len(values) == 0:
        return pd.DataFrame({"start": [], "end": [], "customers": [], "label": []})
    lo, hi = np.quantile(values, [0.01, 0.99])
    if measure == "frequency":
        top = int(max(hi, values.min()))
        clipped = np.minimum(values, top).astype(np.int64)
        counts = np.bincount(clipped, minlength=top + 1)
        start = np.arange(len(counts), dtype=np.float64)
        keep = start >= values.min()
        labels = [str(int(v)) for v in start[keep]]
        if values.max() > top:
            labels[-1] = f"{top}+"
        return pd.DataFrame(
            {
                "start": start[keep],
                "end": start[keep],
                "customers": counts[keep].astype(np.int64),
                "label": labels,
            }
        )
    if hi <= lo:
        lo, hi = float(values.min()), float(values.max())
    if hi <= lo:
        hi = lo + 1.0
    edges = np.linspace(lo, hi, max_bars + 1)
    idx = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, max_bars - 1)
    counts = np.bincount(idx, minlength=max_bars)
    return pd.DataFrame(
        {
            "start": edges[:-1],
            "end": edges[1:],
            "customers": counts.astype(np.int64),
            "label": [f"{a:,.0f}-{b:,.0f}" for a, b in zip(edges[:-1], edges[1:], strict=True)],
        }
    )


# --------------------------------------------------------------------------------------------
# Migration between two dates
# --------------------------------------------------------------------------------------------


def segment_migration(
    tx: pd.DataFrame,
    *,
    as_of=None,
    previous_as_of=None,
    bins: int = 5,
    rules: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Customers counted by (segment at ``previous_as_of``, segment at ``as_of``).

    Both segmentations use the same rules and bins, each computed from the data known at its
    date (lines before that date only, scores cut on that date's distribution).

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    as_of : date-like or None
        Later end of observation, exclusive (default: the day after the last transaction).
    previous_as_of : date-like or None
        Earlier end of observation (default: 90 days before ``as_of``); must be earlier.
    bins, rules
        As in :func:`rfm_table`.

    Returns
    -------
    DataFrame
        Counts (int64) with index ``previous_segment`` (``"new"`` first: customers without a
        purchase before ``previous_as_of``, then the segments in rule order) and columns
        ``segment`` (segments at ``as_of``). Every customer in ``rfm_table(tx, as_of=as_of)``
        is counted once. (A customer whose purchases were all turned into refunds after the
        earlier date is in neither table's later segments and is not counted.)
    """
    as_of_ts = resolve_as_of(tx, as_of)
    prev_ts = (
        as_of_ts - pd.Timedelta(days=90)
        if previous_as_of is None
        else pd.Timestamp(previous_as_of).normalize()
    )
    if prev_ts >= as_of_ts:
        raise ValueError("The comparison date must be earlier than the as-of date.")
    now = rfm_table(tx, as_of=as_of_ts, bins=bins, rules=rules)
    before = rfm_table(tx, as_of=prev_ts, bins=bins, rules=rules)
    cats = list(now["segment"].cat.categories)
    for c in before["segment"].cat.categories:
        if c not in cats:
            cats.append(c)
    to_codes = pd.Categorical(now["segment"], categories=cats).codes.astype(np.int64)
    prev_seg = pd.Categorical(before["segment"], categories=cats)
    pos = before.index.get_indexer(now.index)
    if len(before):
        prev_codes = prev_seg.codes.astype(np.int64)
        from_codes = np.where(pos >= 0, prev_codes.take(np.maximum(pos, 0)) + 1, 0)
    else:
        from_codes = np.zeros(len(now), dtype=np.int64)
    n = len(cats)
    counts = np.bincount(from_codes * n + to_codes, minlength=(n + 1) * n).reshape(n + 1, n)
    out = pd.DataFrame(
        counts.astype(np.int64),
        index=pd.Index([NEW, *cats], name="previous_segment", dtype="str"),
        columns=pd.Index(cats, name="segment", dtype="str"),
    )
    out.attrs = {"as_of": as_of_ts, "previous_as_of": prev_ts}
    return out


def migration_sentences(matrix: pd.DataFrame, *, top: int = 3) -> list[str]:
    """The notable flows of a migration matrix, in words.

    Lists the ``top`` largest moves between two different segments (largest first), then how
    many customers kept their segment, then where most new customers landed.

    Parameters
    ----------
    matrix : DataFrame
        Output of :func:`segment_migration`.
    top : int
        Number of flows to describe.

    Returns
    -------
    list of str
        Sentences such as "38 customers who were Champions are now At Risk."
    """
    long = matrix.stack().rename("customers").reset_index()
    total = int(long["customers"].sum())
    if total == 0:
        return ["No customers had bought by the later date."]
    sentences = []
    moved = long[
        (long["previous_segment"] != NEW)
        & (long["previous_segment"] != long["segment"])
        & (long["customers"] > 0)
    ].sort_values("customers", ascending=False, kind="stable")
    for row in moved.head(top).itertuples(index=False):
        who = "customer who was" if row.customers == 1 else "customers who were"
        sentences.append(
            f"{row.customers:,} {who} {md_escape(row.previous_segment)} "
            f"{'is' if row.customers == 1 else 'are'} now {md_escape(row.segment)}."
        )
    returning = long[long["previous_segment"] != NEW]
    n_prev = int(returning["customers"].sum())
    stayed = int(
        returning.loc[returning["previous_segment"] == returning["segment"], "customers"].sum()
    )
    if n_prev:
        sentences.append(
            f"{stayed:,} of {n_prev:,} earlier customers ({stayed / n_prev:.0%}) kept their segment."
        )
    new = long[(long["previous_segment"] == NEW) & (long["customers"] > 0)]
    n_new = int(new["customers"].sum())
    if n_new:
        best = new.sort_values("customers", ascending=False, kind="stable").iloc[0]
        if n_new == 1:
            sentences.append(
                f"1 customer bought for the first time in between and is now {md_escape(best['segment'])}."
            )
        else:
            sentences.append(
                f"{n_new:,} customers bought for the first time in between; "
                f"{int(best['customers']):,} of them are now {md_escape(best['segment'])}."
            )
    return sentences


# --------------------------------------------------------------------------------------------
# Drill-down and exports
# --------------------------------------------------------------------------------------------

_LINE_LEVEL = {
    "customer_id",
    "order_id",
    "order_date",
    "amount",
    "quantity",
    "unit_price",
    "product",
    "category",
}


def customer_attributes(
    tx: pd.DataFrame, *, as_of=None, min_agreement: float = 0.9
) -> pd.DataFrame:
    """Customer-level columns that came with the upload, one row per customer.

    Candidates are the columns other than the line-level ones (``order_id``, ``order_date``,
    ``amount``, ``quantity``, ``unit_price``, ``product``, ``category``): e.g. ``country``,
    ``channel``, e-mail, phone, name, or unmapped columns. Each customer gets the value on
    their most recent line before ``as_of`` that has one (missing values are skipped). A
    candidate is kept only if it describes the customer rather than the line: at least
    ``min_agreement`` of its non-missing values equal their customer's value (so a product
    code column is dropped, a country column that changed once is kept). Only the first
    :data:`MAX_ATTRIBUTE_COLUMNS` candidates (in the file's order) are looked at.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (customers with a line before ``as_of``); one column per
        kept attribute (possibly none).
    """
    cols = [c for c in tx.columns if c not in _LINE_LEVEL][:MAX_ATTRIBUTE_COLUMNS]
    if not len(tx):
        return pd.DataFrame(index=pd.Index([], dtype="str", name="customer_id"))
    ot = order_table(tx, as_of)
    if not cols or not len(ot.line_index):
        return pd.DataFrame(index=ot.customers)
    # Lines in time order, so that groupby.last picks each customer's latest non-missing value.
    stamps = tx["order_date"].to_numpy()[ot.line_index]
    order = np.argsort(stamps, kind="stable")
    codes = ot.line_customer[order]
    lines = tx[cols].iloc[ot.line_index[order]].reset_index(drop=True)
    out = lines.groupby(codes, sort=True).last()
    position = np.full(ot.n_customers, -1, dtype=np.int64)
    position[out.index.to_numpy()] = np.arange(len(out))
    keep = []
    for col in cols:
        values = lines[col]
        known = values.notna().to_numpy()
        if not known.any():
            continue
        chosen = out[col].to_numpy()[position[codes[known]]]
        agree = np.asarray(values.to_numpy()[known] == chosen, dtype=bool)
        if agree.mean() >= min_agreement:
            keep.append(col)
    out = out[keep]
    out.index = ot.customers.take(out.index.to_numpy())
    return out


def segment_customers(
    rfm: pd.DataFrame, attributes: pd.DataFrame | None = None, segment: str | None = None
) -> pd.DataFrame:
    """The customers of one segment (or all), ready to show and download.

    Parameters
    ----------
    rfm : DataFrame
        Output of :func:`rfm_table`.
    attributes : DataFrame or None
        Output of :func:`customer_attributes` (joined on ``customer_id``).
    segment : str or None
        Segment name; ``None`` keeps every customer.

    Returns
    -------
    DataFrame
        Columns ``customer_id``, ``recency``, ``frequency``, ``monetary``, ``r_score``,
        ``f_score``, ``m_score``, ``rfm_code``, ``segment`` (as text) and the attribute columns,
        sorted by monetary value, highest first.
    """
    part = rfm if segment is None else rfm[rfm["segment"] == segment]
    out = part.assign(segment=part["segment"].astype("str"))
    if attributes is not None and len(attributes.columns):
        extra = attributes.drop(columns=[c for c in attributes.columns if c in out.columns])
        out = out.join(extra, how="left")
    out = out.sort_values(["monetary", "frequency"], ascending=False, kind="stable")
    out = out.reset_index()
    out.attrs = {}
    return out


def customer_orders(tx: pd.DataFrame, *, customer_id: str, as_of=None) -> pd.DataFrame:
    """The orders of one customer before ``as_of`` (see :func:`analysis.orders.orders_frame`)."""
    as_of_ts = resolve_as_of(tx, as_of)
    mine = tx[tx["customer_id"] == customer_id]
    if not len(mine):
        return orders_frame(tx.iloc[:0], as_of_ts)
    return orders_frame(mine, as_of_ts)


def example_customer(rfm: pd.DataFrame) -> str | None:
    """A typical customer for a worked example: 2-5 purchase orders, median spend among them."""
    if not len(rfm):
        return None
    pool = rfm[(rfm["frequency"] >= 2) & (rfm["frequency"] <= 5)]
    if not len(pool):
        pool = rfm
    m = pool["monetary"].to_numpy()
    return str(pool.index[int(np.argmin(np.abs(m - np.median(m))))])


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}"


def _score_rule(edges: list[float], score: int, measure: str) -> str:
    """Describe the value interval of one score from the cut points, in words."""
    if measure == "recency":
        # score = 1 + number of cut points strictly above the recency.
        desc = sorted(edges, reverse=True)
        upper = desc[score - 2] if score >= 2 else None  # recency < upper
        lower = desc[score - 1] if score - 1 < len(desc) else None  # recency >= lower
        if upper is None and lower is None:
            return "any recency"
        if upper is None:
            return f"{_fmt(lower)} days or more"
        if lower is None:
            return f"fewer than {_fmt(upper)} days"
        return (
            f"{_fmt(lower)} to {_fmt(upper - 1)} days"
            if upper - lower > 1
            else f"{_fmt(lower)} days"
        )
    lower = edges[score - 2] if score >= 2 else None  # value > lower
    upper = edges[score - 1] if score - 1 < len(edges) else None  # value <= upper
    if lower is None and upper is None:
        return "any value"
    if lower is None:
        return f"at most {_fmt(upper)}"
    if upper is None:
        return f"more than {_fmt(lower)}"
    return f"more than {_fmt(lower)} and at most {_fmt(upper)}"


def describe_score_cuts(rfm: pd.DataFrame) -> str:
    """Markdown describing, for each measure, which values get which score."""
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
        parts = [f"score {s}: {_score_rule(e, s, measure)}" for s in range(used, 0, -1)]
        note = (
            f" (only {used} of {bins} scores are used: too few distinct values)"
            if used < bins
            else ""
        )
        lines.append(f"- **{title}**{note}: " + "; ".join(parts) + ".")
    return "\n".join(lines)


def explanation(rfm: pd.DataFrame) -> str:
    """Markdown for learners: the definitions, how this table's scores were cut, the grid."""
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
            describe_score_cuts(rfm),
            "",
            f"**Segments** are named from R and F only (M is shown beside them). {grid_note} "
            "Each segment is a block of cells on the grid; you can edit the blocks, and the page "
            "tells you when a cell has no segment or two.",
        ]
    )


def worked_example(orders: pd.DataFrame, rfm: pd.DataFrame, customer_id: str) -> str:
    """Markdown walking through one customer's R, F, M, scores and segment.

    Parameters
    ----------
    orders : DataFrame
        Output of :func:`customer_orders` for this customer.
    rfm : DataFrame
        Output of :func:`rfm_table`.
    customer_id : str
        The customer.
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
            f"| {md_escape(o.order_id)} | {o.order_date:%Y-%m-%d} | {o.net_value:,.2f} | {kind} |"
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
        f"- **Monetary** = sum of all amounts, refunds included = **{row['monetary']:,.2f}** -> "
        f"M score **{m}** ({_score_rule(edges.get('monetary', []), m, 'monetary')}).",
        f"- RFM code **{row['rfm_code']}**; on the recency x frequency grid "
        f"(R{r} F{f}) the customer is in **{md_escape(row['segment'])}**.",
    ]
    return "\n".join(lines)


def summary_sentences(summary: pd.DataFrame) -> list[str]:
    """Plain-language reading of :func:`segment_summary` (largest groups, revenue concentration)."""
    s = summary[summary["customers"] > 0]
    if not len(s):
        return ["No customer has a purchase before the as-of date."]
    out = []
    biggest = s.sort_values("customers", ascending=False, kind="stable").iloc[0]
    n = int(biggest["customers"])
    out.append(
        f"The largest group is {md_escape(biggest['segment'])}: {n:,} customer{'s' if n != 1 else ''} "
        f"({biggest['customer_share']:.0%})."
    )
    if s["revenue_share"].notna().any():
        top = s.sort_values("revenue", ascending=False, kind="stable").iloc[0]
        out.append(
            f"{md_escape(top['segment'])} bring the most revenue: {top['revenue_share']:.0%} of it, "
            f"from {top['customer_share']:.0%} of customers."
        )
    return out


# --------------------------------------------------------------------------------------------
# Data-driven alternative: k-means
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClusterResult:
    """Output of :func:`rfm_clusters` (picklable, for caching).

    Attributes
    ----------
    labels : Series
        Cluster number (0..k-1, ordered from most to least valuable centre) per customer.
    centres : DataFrame
        Per cluster: ``cluster``, ``name``, ``description``, ``customers``, ``share``,
        ``median_recency``, ``median_frequency``, ``median_monetary``, ``revenue``.
    silhouette : DataFrame
        ``k`` and ``silhouette`` for every number of clusters tried.
    n_clusters : int
        The chosen number of clusters (highest silhouette).
    """

    labels: pd.Series
    centres: pd.DataFrame
    silhouette: pd.DataFrame
    n_clusters: int


def _rfm_features(rfm: pd.DataFrame) -> np.ndarray:
    """log(1 + recency), log(frequency) and the signed log(1 + |monetary|), as columns."""
    r = np.log1p(rfm["recency"].to_numpy(dtype=np.float64))
    f = np.log(rfm["frequency"].to_numpy(dtype=np.float64))
    m = rfm["monetary"].to_numpy(dtype=np.float64)
    # a sum of amounts near 1e300 can overflow: inf counts as the largest float, nan as 0
    big = np.finfo(np.float64).max
    m = np.nan_to_num(m, nan=0.0, posinf=big, neginf=-big)
    return np.column_stack([r, f, np.sign(m) * np.log1p(np.abs(m))])


class RFMKMeans:
    """k-means on log-scaled, standardised recency, frequency and monetary value.

    The number of clusters is the one in ``k_range`` with the highest silhouette score
    (computed on a random sample of at most ``sample_size`` customers).

    Parameters
    ----------
    k_range : tuple of int
        Smallest and largest number of clusters to try (inclusive).
    sample_size : int
        Customers sampled for the silhouette score (it is quadratic in the sample).
    fit_size : int
        Customers sampled to fit k-means on large data; every customer is then assigned to
        the nearest centre.
    random_state : int
        Seed for k-means and the sample.

    Attributes
    ----------
    scaler_ : StandardScaler
    model_ : KMeans
        The chosen model (clusters renumbered, see ``labels_``).
    n_clusters_ : int
    silhouette_ : dict of int to float
    labels_ : ndarray of int64
        Cluster per customer, 0 = the centre with the highest value score.
    centres_ : ndarray, shape (n_clusters_, 3)
        Standardised centres in the renumbered order.
    """

    def __init__(
        self,
        k_range: tuple[int, int] = (2, 6),
        sample_size: int = 2000,
        fit_size: int = 20_000,
        random_state: int = 0,
    ):
        self.k_range = k_range
        self.sample_size = sample_size
        self.fit_size = fit_size
        self.random_state = random_state

    def fit(self, rfm: pd.DataFrame) -> RFMKMeans:
        """Fit on an :func:`rfm_table` output; returns self."""
        from sklearn.cluster import KMeans
        from sklearn.metrics import silhouette_score
        from sklearn.preprocessing import StandardScaler
        from threadpoolctl import threadpool_limits

        x = _rfm_features(rfm)
        n_distinct = len(np.unique(x, axis=0)) if len(x) <= 50_000 else len(x)
        lo, hi = self.k_range
        hi = min(hi, n_distinct - 1, len(x) - 1)
        if hi < lo:
            raise ValueError("Too few distinct customers to form clusters.")
        self.scaler_ = StandardScaler().fit(x)
        z = np.nan_to_num(self.scaler_.transform(x))
        rng = np.random.default_rng(self.random_state)
        fit_rows = (
            np.sort(rng.choice(len(z), self.fit_size, replace=False))
            if len(z) > self.fit_size
            else np.arange(len(z))
        )
        zf = z[fit_rows]
        sample = (
            rng.choice(len(zf), self.sample_size, replace=False)
            if len(zf) > self.sample_size
            else np.arange(len(zf))
        )
        self.silhouette_ = {}
        best = None
        # Single-threaded: on small data OpenMP threads cost far more than they save, most of
        # all on a busy shared server.
        with threadpool_limits(limits=1):
            for k in range(lo, hi + 1):
                km = KMeans(n_clusters=k, n_init=3, random_state=self.random_state).fit(zf)
                ls = km.labels_[sample]
                score = float(silhouette_score(zf[sample], ls)) if len(np.unique(ls)) > 1 else -1.0
                self.silhouette_[k] = score
                if best is None or score > best[0]:
                    best = (score, km)
            full_labels = best[1].predict(z)
        self.model_ = best[1]
        self.n_clusters_ = self.model_.n_clusters
        centres = self.model_.cluster_centers_
        # Order clusters by value: recent (low R), frequent, high spend first.
        value = -centres[:, 0] + centres[:, 1] + centres[:, 2]
        order = np.argsort(-value, kind="stable")
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        self.labels_ = rank[full_labels].astype(np.int64)
        self.centres_ = centres[order]
        return self


def _level(z: float, low: str, mid: str, high: str) -> str:
    return low if z < -0.5 else high if z > 0.5 else mid


def rfm_clusters(
    tx: pd.DataFrame,
    *,
    as_of=None,
    k_min: int = 2,
    k_max: int = 6,
    random_state: int = 0,
) -> ClusterResult:
    """Data-driven customer groups: :class:`RFMKMeans` on the RFM values, described in words.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    as_of : date-like or None
        End of observation, exclusive.
    k_min, k_max : int
        Range of cluster counts tried; the silhouette score picks one.
    random_state : int
        Seed (results are reproducible).

    Returns
    -------
    ClusterResult
        Each cluster is named from its standardised centre (beyond +-0.5 standard deviations
        of the log-scaled values counts as high/low), e.g. "Recent, frequent, high-spending",
        and described with its median recency, frequency and spend.
    """
    rfm = rfm_table(tx, as_of=as_of)
    model = RFMKMeans((k_min, k_max), random_state=random_state).fit(rfm)
    labels = pd.Series(model.labels_, index=rfm.index, name="cluster")
    grouped = rfm.groupby(labels.to_numpy(), sort=True)
    med = grouped[["recency", "frequency", "monetary"]].median()
    size = grouped.size()
    revenue = grouped["monetary"].sum()
    names, descriptions = [], []
    for c in range(model.n_clusters_):
        zr, zf, zm = model.centres_[c]
        name = ", ".join(
            [
                _level(zr, "Recent", "Moderately recent", "Lapsed"),
                _level(zf, "one-off", "occasional", "frequent"),
                _level(zm, "low-spending", "mid-spending", "high-spending"),
            ]
        )
        names.append(name)
        descriptions.append(
            f"Typically bought {med.loc[c, 'recency']:,.0f} days ago, "
            f"{med.loc[c, 'frequency']:,.0f} order(s), spending {med.loc[c, 'monetary']:,.0f} in total."
        )
    centres = pd.DataFrame(
        {
            "cluster": np.arange(model.n_clusters_),
            "name": names,
            "description": descriptions,
            "customers": size.reindex(range(model.n_clusters_), fill_value=0).to_numpy(np.int64),
            "share": size.reindex(range(model.n_clusters_), fill_value=0).to_numpy() / len(rfm),
            "median_recency": med["recency"].to_numpy(),
            "median_frequency": med["frequency"].to_numpy(),
            "median_monetary": med["monetary"].to_numpy(),
            "revenue": revenue.to_numpy(),
        }
    ).astype({"name": "str", "description": "str"})
    silhouette = pd.DataFrame(
        {"k": list(model.silhouette_), "silhouette": list(model.silhouette_.values())}
    )
    return ClusterResult(
        labels=labels, centres=centres, silhouette=silhouette, n_clusters=model.n_clusters_
    )


# Extreme amounts (1e300) give inf/nan figures, never an error (analysis.core.floats).
make_float_safe(globals(), __all__)
