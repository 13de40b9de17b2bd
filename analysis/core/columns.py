"""Canonical column names and the labels shared by every analysis.

Every prepared transactions table has the columns :data:`TRANSACTION_COLUMNS`
(``customer_id``, ``order_id``, ``order_date``, ``amount``) plus optional ones; every
prepared responses table has :data:`RESPONSE_COLUMNS`. Groups that are left out of a
breakdown are labelled :data:`OTHER_LABEL`, missing or blank values :data:`MISSING_LABEL`.
"""

from __future__ import annotations

__all__ = [
    "AMOUNT",
    "CUSTOMER",
    "DATE",
    "MISSING_LABEL",
    "ORDER",
    "OTHER_LABEL",
    "LINE_LEVEL",
    "RESPONSE_ROLES",
    "TRANSACTION_COLUMNS",
    "TRANSACTION_ROLES",
]

CUSTOMER = "customer_id"
ORDER = "order_id"
DATE = "order_date"
AMOUNT = "amount"
#: The columns every prepared transactions table has, in this order.
TRANSACTION_COLUMNS = (CUSTOMER, ORDER, DATE, AMOUNT)

#: Label of a missing or blank value in every breakdown, table and chart.
MISSING_LABEL = "(not given)"
#: Label of the groups a breakdown leaves out (beyond its top ``n``).
OTHER_LABEL = "Other"

#: Roles a transactions column can play, in canonical column order (the first four are
#: required, the others optional).
TRANSACTION_ROLES = (
    *TRANSACTION_COLUMNS,
    "quantity",
    "unit_price",
    "product",
    "category",
    "channel",
    "country",
)
#: Roles a survey-responses column can play, in canonical column order.
RESPONSE_ROLES = ("response_date", "score", "customer_id", "comment", "csat", "ces")
#: Transactions columns that describe one line (the others, channel and country, describe the
#: order or the customer and may be carried over from another line).
LINE_LEVEL = frozenset(TRANSACTION_ROLES[:8])
