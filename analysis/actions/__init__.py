"""What to do now: the few customer lists worth acting on this week, from the other analyses.

Every list is a set of customers with the figures that put them there, their contact columns
(e-mail, phone, name... as found in the transactions) and the money at stake. The money at
stake of a list is the same measure for every list, so that the lists can be ordered by it:
the customers' **net revenue so far** (every amount before ``as_of`` summed, refunds taken
off; see :mod:`analysis.orders`).

The lists (``key``: definition):

- ``at_risk``: valuable customers at risk of leaving. With the customer value and churn models
  (:func:`analysis.clv.value_report`, :func:`analysis.churn.churn_model`): customers in the top
  ``top_share`` by expected value (``clv``) whose churn risk is at least ``risk_threshold``,
  exactly the list of :func:`analysis.churn.value_and_risk` with the Customer value page's
  default settings. When the data does not support the models, the RFM segments "At Risk" and
  "Can't Lose Them" instead (frequent buyers who have not bought for a long time), said in
  ``ActionPlan.notes``.
- ``second_order``: new customers to bring back: exactly one purchase order, made in the last
  ``new_days`` days before ``as_of``.
- ``thank``: loyal customers to thank: the RFM segments "Champions" and "Loyal Customers"
  (:func:`analysis.rfm.rfm_table` with the default rules), except customers on the
  ``at_risk`` list (they need a win-back call, not a thank-you).
- ``detractors``: customers to call back: survey answers scoring 0 to 6 in the last
  ``detractor_days`` days of the survey (:func:`analysis.feedback.detractor_followup`), one row
  per customer (their latest such answer), joined to their purchases and contact columns.
- ``refund``: customers who stopped after a refund: at least one purchase order, their latest
  refund order on or after their latest purchase order, and at least ``refund_quiet_days``
  days since that refund without a purchase.

Apart from ``thank`` and ``at_risk``, a customer can be on more than one list.

Modules: :mod:`~analysis.actions.contacts` (contact columns), :mod:`~analysis.actions.plan`
(:class:`ActionList`, :class:`ActionPlan`), :mod:`~analysis.actions.lists` (:func:`action_lists`)
and :mod:`~analysis.actions.describe` (sentences).
"""

from analysis.actions.contacts import (
    CONTACT_PATTERN,
    MAX_CONTACT_COLUMNS,
    contact_columns,
    latest_values,
)
from analysis.actions.describe import describe_action_plan
from analysis.actions.lists import AT_RISK_SEGMENTS, THANK_SEGMENTS, action_lists
from analysis.actions.plan import VALUE_LABEL, ActionList, ActionPlan

__all__ = [
    "AT_RISK_SEGMENTS",
    "CONTACT_PATTERN",
    "MAX_CONTACT_COLUMNS",
    "THANK_SEGMENTS",
    "VALUE_LABEL",
    "ActionList",
    "ActionPlan",
    "action_lists",
    "contact_columns",
    "describe_action_plan",
    "latest_values",
]
