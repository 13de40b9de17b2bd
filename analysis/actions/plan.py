"""The shape of the answer: lists of customers to act on, and the plan that orders them."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.core.orders import round_money

__all__ = ["VALUE_LABEL", "ActionList", "ActionPlan"]

VALUE_LABEL = "spent with you so far (net of refunds)"
"""What ``value_at_stake`` measures, in words."""


@dataclass(frozen=True)
class ActionList:
    """One list of customers to act on.

    Attributes
    ----------
    key : str
        Stable identifier (``at_risk``, ``second_order``, ``thank``, ``detractors``, ``refund``).
    title : str
        Short title in plain words.
    why : str
        Why these customers, in plain words (Markdown written here; no data values).
    action : str
        What to do, in one sentence.
    customers : DataFrame
        One row per customer (RangeIndex): ``customer_id``, the contact columns, then the
        figures that put them on the list and ``net_revenue``; most money first.
    value_at_stake : float
        Sum of the customers' ``net_revenue`` (money, the file's currency).
    source_page : str
        The page that explains the list (``app_pages/....py``).
    source_title : str
        That page's title.
    empty_reason : str
        Why the list is empty, in plain words ("" when it is not).
    """

    key: str
    title: str
    why: str
    action: str
    customers: pd.DataFrame
    value_at_stake: float
    source_page: str
    source_title: str
    empty_reason: str = ""

    @property
    def size(self) -> int:
        """Number of customers on the list."""
        return len(self.customers)


@dataclass(frozen=True)
class ActionPlan:
    """The lists, most money at stake first (empty lists last), and notes about them.

    Attributes
    ----------
    lists : list of ActionList
    as_of : Timestamp
        End of observation (exclusive).
    customers : int
        Customers with at least one purchase order before ``as_of``.
    contact_columns : list of str
        Contact columns found in the transactions (possibly none).
    notes : list of str
        Plain sentences: fallbacks used and answers that could not be matched.
    """

    lists: list[ActionList]
    as_of: pd.Timestamp
    customers: int
    contact_columns: list[str]
    notes: list[str] = field(default_factory=list)

    def get(self, key: str) -> ActionList:
        """Return the list with this ``key`` (KeyError when there is none)."""
        for item in self.lists:
            if item.key == key:
                return item
        raise KeyError(key)


def _make(key, title, why, action, customers, source, empty) -> ActionList:
    value = (
        float(round_money(np.array([customers["net_revenue"].sum()]))[0]) if len(customers) else 0.0
    )
    return ActionList(
        key=key,
        title=title,
        why=why,
        action=action,
        customers=customers,
        value_at_stake=value,
        source_page=source[0],
        source_title=source[1],
        empty_reason="" if len(customers) else empty,
    )
