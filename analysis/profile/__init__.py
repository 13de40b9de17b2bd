"""One customer's whole relationship on one screen: orders, RFM, value, risk, survey, purchases.

Definitions are the shared ones (:mod:`analysis.orders`): ``as_of`` is the end of observation,
exclusive (default: the day after the last transaction of the *whole* table, so one customer's
"days since the last purchase" matches the RFM recency); an order is ``(customer_id,
order_id)``; a **purchase order** has a net value >= 0, a **refund order** < 0. Money is in the
file's currency; "net" means refunds are subtracted.

- :mod:`~analysis.profile.picker`: every customer with their headline figures, to search and
  pick from.
- :mod:`~analysis.profile.customer`: :func:`customer_profile`, one customer's history.
- :mod:`~analysis.profile.cards`: the customer's row of the survey, RFM, value and churn tables
  (computed once for every customer and cached by the page).
- :mod:`~analysis.profile.describe`: what to know before calling them.

Nothing here loops over customers: one customer's rows are found with one vectorised comparison.
"""

from analysis.profile.cards import customer_responses, for_customer, rfm_card, value_card
from analysis.profile.customer import (
    MAX_ATTRIBUTE_LINES,
    MAX_HISTORY_ORDERS,
    MAX_PROFILE_ITEMS,
    CustomerProfile,
    customer_profile,
)
from analysis.profile.describe import (
    describe_history,
    describe_profile,
    history_note,
    profile_sentences,
)
from analysis.profile.picker import customer_list, picker_labels, search_customers, segments_in

__all__ = [
    "MAX_ATTRIBUTE_LINES",
    "MAX_HISTORY_ORDERS",
    "MAX_PROFILE_ITEMS",
    "CustomerProfile",
    "customer_list",
    "customer_profile",
    "customer_responses",
    "describe_history",
    "describe_profile",
    "for_customer",
    "history_note",
    "picker_labels",
    "profile_sentences",
    "rfm_card",
    "search_customers",
    "segments_in",
    "value_card",
]
