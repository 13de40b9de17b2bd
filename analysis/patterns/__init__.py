"""Purchase patterns: when customers buy, what, what together, what they pay, and how.

"How" is the channel that brought them.

One module per topic, every public name re-exported here (``analysis.patterns.<name>`` is the
stable API):

- :mod:`~analysis.patterns.availability`: which parts the data can show (:func:`needs`,
  :func:`item_columns`, :func:`has_time_of_day`);
- :mod:`~analysis.patterns.timing`: when (weekday and hour, weekday by month, seasonality);
- :mod:`~analysis.patterns.reorders`: how soon customers come back (gaps, windows, per item);
- :mod:`~analysis.patterns.items`: what (top items, first orders, items that bring buyers back);
- :mod:`~analysis.patterns.baskets`: what together (baskets, association rules, pairs);
- :mod:`~analysis.patterns.recommendations`: "bought X, also bought Y" (:class:`ItemRecommender`);
- :mod:`~analysis.patterns.spend`: what they pay (order values, spend per group of customers);
- :mod:`~analysis.patterns.prices`: price bands and discounts;
- :mod:`~analysis.patterns.channels`: the new customers each channel brought and kept;
- :mod:`~analysis.patterns.describe`: the sentences, ``describe_<thing>(result) -> list[str]``.

Definitions (on top of the shared ones in :mod:`analysis.orders`: ``as_of`` is the end of
observation, exclusive; an order is ``(customer_id, order_id)``; a **purchase order** has a net
value >= 0, a **refund order** a net value < 0):

- **Order time**: the timestamp of an order's earliest line; its weekday (Monday = 0) and hour
  (0-23) come from it. Hours are only meaningful when the file has times of day
  (:func:`has_time_of_day`).
- **Orders / revenue by time** count purchase orders and sum their net values (refund lines inside
  a purchase order lower its value; refund orders are left out, so this is *gross sales* in the
  sense of :mod:`analysis.overview`), in the file's currency.
- **Reorder gap**: days between two consecutive *distinct calendar days* on which a customer
  placed purchase orders (two orders on the same day are one visit).
- **Reordered within X days**: among customers whose first purchase day lies at least X days
  before ``as_of`` (so the whole window is observed), the share whose second purchase day came at
  most X days after the first. Recent first-time buyers are left out instead of being counted as
  "not yet back".
- **Items** are the values of an item column, ``product`` or ``category`` (see
  :func:`item_columns`). A customer **bought** an item when a line with a non-negative amount in
  one of their purchase orders names it. Lines with no item (missing or blank) are left out of
  item tables; the count is in ``attrs["lines_without_item"]``. Lines that are not products
  (postage, shipping, fees, discounts, gift cards, manual adjustments:
  :func:`analysis.nonproduct.non_product_mask`) stay in revenue, orders and customers but are
  left out of every item table, basket, rule, recommendation and price band
  (``attrs["non_product_lines"]`` of :func:`top_items`).
- **Item revenue** is net: every observed line amount of the item summed, refund lines included.
- **Repeat rate** of an item: the share of its customers who bought it in two or more purchase
  orders.
- A customer's **first order** is everything they bought on their first purchase day.
- **Association rules** ``X -> Y`` over purchase orders that name at least one item:
  ``support`` = share of those orders that contain both, ``confidence`` = share of orders with X
  that also contain Y, ``lift`` = confidence / share of orders with Y (1 = no more often than
  chance). See :func:`association_rules` for how the minimum support is chosen.
- **Recommendations** score an item ``j`` for a customer ``u`` as the sum over the items ``i``
  the customer already bought of the cosine similarity between the columns of ``i`` and ``j`` in
  the customer x item 0/1 matrix (item-to-item collaborative filtering, "customers who bought X
  also bought Y"); items the customer already bought are never recommended.

Everything runs on integer codes and numpy / scipy.sparse: the full UCI Online Retail file (about
400,000 lines, 18,500 purchase orders, 3,900 products) takes well under a second per function.
Every function runs with numpy's floating-point warnings off (:mod:`analysis.core.floats`).
"""

from __future__ import annotations

from analysis.core.columns import MISSING_LABEL, OTHER_LABEL
from analysis.patterns.availability import ITEM_COLUMNS, has_time_of_day, item_columns, needs
from analysis.patterns.baskets import (
    MAX_RULE_ITEMS,
    SUPPORT_LADDER,
    BasketCounts,
    Baskets,
    association_rules,
    basket_counts,
    baskets,
    filter_rules,
    pairing_plan,
    rules_from_counts,
    strongest_pairs,
)
from analysis.patterns.channels import channel_acquisition
from analysis.patterns.describe import (
    describe_breakdown,
    describe_channel_acquisition,
    describe_discounts,
    describe_first_orders,
    describe_order_values,
    describe_price_bands,
    describe_recommendations,
    describe_reorder,
    describe_reorder_by_item,
    describe_rules,
    describe_seasonality,
    describe_spend,
    describe_top_items,
    describe_weekday_hour,
    describe_weekday_month,
)
from analysis.patterns.items import first_order_items, items_that_bring_back, top_items
from analysis.patterns.prices import (
    DISCOUNT_NAME_PATTERN,
    discount_columns,
    discount_share,
    price_bands,
)
from analysis.patterns.recommendations import (
    BLOCK_ELEMENTS,
    MAX_RECOMMENDER_ITEMS,
    ItemRecommender,
    recommendations,
    similar_items,
)
from analysis.patterns.reorders import (
    ReorderSummary,
    reorder_by_item,
    reorder_gaps,
    reorder_summary,
)
from analysis.patterns.spend import OrderValueSummary, order_value_summary, spend_per_customer
from analysis.patterns.timing import (
    MAX_CALENDAR_MONTHS,
    MONTHS,
    WEEKDAYS,
    monthly_seasonality,
    weekday_hour,
    weekday_month,
)

__all__ = [
    "WEEKDAYS",
    "MONTHS",
    "ITEM_COLUMNS",
    "SUPPORT_LADDER",
    "MAX_RECOMMENDER_ITEMS",
    "MAX_RULE_ITEMS",
    "MAX_CALENDAR_MONTHS",
    "DISCOUNT_NAME_PATTERN",
    "BLOCK_ELEMENTS",
    "MISSING_LABEL",
    "OTHER_LABEL",
    "has_time_of_day",
    "item_columns",
    "needs",
    "weekday_hour",
    "weekday_month",
    "monthly_seasonality",
    "reorder_gaps",
    "ReorderSummary",
    "reorder_summary",
    "reorder_by_item",
    "top_items",
    "first_order_items",
    "items_that_bring_back",
    "Baskets",
    "BasketCounts",
    "baskets",
    "basket_counts",
    "pairing_plan",
    "rules_from_counts",
    "association_rules",
    "filter_rules",
    "strongest_pairs",
    "ItemRecommender",
    "recommendations",
    "similar_items",
    "OrderValueSummary",
    "order_value_summary",
    "spend_per_customer",
    "price_bands",
    "discount_share",
    "discount_columns",
    "channel_acquisition",
    "describe_weekday_hour",
    "describe_weekday_month",
    "describe_seasonality",
    "describe_reorder",
    "describe_reorder_by_item",
    "describe_top_items",
    "describe_first_orders",
    "describe_rules",
    "describe_recommendations",
    "describe_order_values",
    "describe_spend",
    "describe_price_bands",
    "describe_discounts",
    "describe_breakdown",
    "describe_channel_acquisition",
]
