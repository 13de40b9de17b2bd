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
    "TRANSACTION_COLUMNS",
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
