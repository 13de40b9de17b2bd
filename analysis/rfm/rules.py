"""Segment rules: named blocks of the 5 x 5 recency x frequency grid, checked and compiled.

A rules table has one row per segment: ``segment``, inclusive score ranges ``r_min``..``r_max``
and ``f_min``..``f_max`` on the 1..5 grid, a ``description`` and an ``action``. The defaults
(:func:`default_segment_rules`) cover each of the 25 cells exactly once; an edited table may
leave cells uncovered (their customers are :data:`UNASSIGNED`) or cover a cell twice (the first
rule in table order wins).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.core.floats import make_float_safe
from analysis.core.text import plural

__all__ = [
    "GRID",
    "UNASSIGNED",
    "RULE_COLUMNS",
    "RuleCheck",
    "default_segment_rules",
    "check_rules",
]

GRID = 5
"""Segment rules are written for scores 1..5 on both axes."""
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
    """Return the default named segments as a rules table (a fresh copy, safe to edit).

    Returns
    -------
    DataFrame
        Columns ``segment``, ``r_min``, ``r_max``, ``f_min``, ``f_max`` (inclusive score
        ranges on the 1..5 recency x frequency grid), ``description`` and ``action``. The ten
        rules cover each of the 25 grid cells exactly once.
    """
    rules = pd.DataFrame(_DEFAULT_RULES, columns=RULE_COLUMNS)
    return rules.astype({c: "int64" for c in _RANGE_COLUMNS})


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
        """Say whether every row is valid and every cell is covered exactly once."""
        return not (self.problems or self.uncovered or self.overlaps)

    def messages(self) -> list[str]:
        """Return plain-language sentences describing every problem (empty when ``ok``)."""
        out = list(self.problems)
        if self.uncovered:
            cells = ", ".join(f"R{r} F{f}" for r, f in self.uncovered)
            n = len(self.uncovered)
            out.append(
                f"{plural(n, 'grid cell')} {'are' if n > 1 else 'is'} not covered by any rule "
                f"({cells}); "
                f"customers there are shown as '{UNASSIGNED}'."
            )
        if self.overlaps:
            cells = "; ".join(f"R{r} F{f}: {' and '.join(names)}" for r, f, names in self.overlaps)
            n = len(self.overlaps)
            out.append(
                f"{plural(n, 'grid cell')} {'are' if n > 1 else 'is'} covered by more than one rule "
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
    """Return, for each (r-1, f-1) grid cell, the positions of the rules that cover it."""
    cells = [[[] for _ in range(GRID)] for _ in range(GRID)]
    for j, (r0, r1, f0, f1) in enumerate(clean[_RANGE_COLUMNS].itertuples(index=False)):
        for r in range(r0, r1 + 1):
            for f in range(f0, f1 + 1):
                cells[r - 1][f - 1].append(j)
    return cells


def _segment_lookup(clean: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """Return a 5 x 5 array of category codes (first matching rule wins) and the names.

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


@functools.cache
def _default_rules_compiled() -> tuple[np.ndarray, list[str], list[dict]]:
    """Return :func:`_compile_rules` of the default rules, computed once (read-only lookup)."""
    clean = check_rules(None).rules
    lookup, names = _segment_lookup(clean)
    lookup.setflags(write=False)
    return lookup, names, clean.to_dict("records")


def _compile_rules(rules: pd.DataFrame | None) -> tuple[np.ndarray, list[str], list[dict]]:
    """Return the 5 x 5 segment lookup, the segment names and the usable rules as records.

    ``None`` means the default rules; other tables are checked with :func:`check_rules` first.
    """
    if rules is None:
        return _default_rules_compiled()
    clean = check_rules(rules).rules
    lookup, names = _segment_lookup(clean)
    return lookup, names, clean.to_dict("records")


def _rules_from(rfm: pd.DataFrame, rules: pd.DataFrame | None) -> pd.DataFrame:
    """Return the usable ``rules``, or else the rules ``rfm`` was built with (``attrs``)."""
    if rules is not None:
        return check_rules(rules).rules
    stored = rfm.attrs.get("rules")
    return pd.DataFrame(stored, columns=RULE_COLUMNS) if stored else default_segment_rules()


# Extreme amounts (1e300) give inf/nan figures, never an error (analysis.core.floats).
make_float_safe(globals(), __all__)
