"""Overview: the headline figures of a transactions table, with plain-word definitions.

All figures follow the shared conventions of :mod:`analysis.orders`: ``as_of`` is the end of
observation (exclusive, a calendar date, default the day after the last transaction); an order is
``(customer_id, order_id)``, its net value the sum of its lines; a **purchase order** has a net
value >= 0 (free orders count), a **refund order** a net value < 0. Money is in the file's own
currency; "net" means refunds are subtracted.

- :mod:`~analysis.overview.scorecards`: :func:`scorecard` (``net_revenue == gross_revenue -
  refunds``), its labels, definitions and display text, and :func:`dataset_size_check`.
- :mod:`~analysis.overview.periods`: a period and the window it is compared with.
- :mod:`~analysis.overview.new_returning`: :func:`new_vs_returning` per calendar period (new
  and returning revenue of all periods add up to ``net_revenue``).
- :mod:`~analysis.overview.breakdowns`: :func:`top_breakdown` by country, channel, category or
  product.
- :mod:`~analysis.overview.without_customer`: sales without a customer, in the totals only.
- :mod:`~analysis.overview.describe`: what the figures say (``describe_<thing>``).

Everything is computed on integer codes from :func:`analysis.orders.order_table` with numpy; the
full UCI Online Retail table (~400k lines) takes a few tens of milliseconds per function.
"""

from analysis.core.columns import MISSING_LABEL, OTHER_LABEL
from analysis.overview.breakdowns import BREAKDOWN_COLUMNS, available_breakdowns, top_breakdown
from analysis.overview.describe import (
    describe_file_without_customers,
    describe_sales_without_customer,
    describe_scorecard,
    scorecard_insights,
)
from analysis.overview.new_returning import new_vs_returning
from analysis.overview.periods import (
    COMPARED_FIGURES,
    COMPARISONS,
    PERIODS,
    PeriodComparison,
    change_text,
    compare_scorecards,
    comparison_phrase,
    figure_change,
    new_vs_returning_in_period,
    period_bounds,
    top_breakdown_in_period,
)
from analysis.overview.scorecards import (
    ACTIVE_WINDOW_DAYS,
    DEFINITIONS,
    LABELS,
    Scorecard,
    dataset_size_check,
    format_figure,
    format_money,
    scorecard,
    scorecard_table,
)
from analysis.overview.without_customer import (
    SalesWithoutCustomer,
    sales_without_customer,
    totals_with_sales_without_customer,
)

__all__ = [
    "ACTIVE_WINDOW_DAYS",
    "BREAKDOWN_COLUMNS",
    "COMPARED_FIGURES",
    "COMPARISONS",
    "DEFINITIONS",
    "LABELS",
    "MISSING_LABEL",
    "OTHER_LABEL",
    "PERIODS",
    "PeriodComparison",
    "SalesWithoutCustomer",
    "Scorecard",
    "available_breakdowns",
    "change_text",
    "compare_scorecards",
    "comparison_phrase",
    "dataset_size_check",
    "describe_file_without_customers",
    "describe_sales_without_customer",
    "describe_scorecard",
    "figure_change",
    "format_figure",
    "format_money",
    "new_vs_returning",
    "new_vs_returning_in_period",
    "period_bounds",
    "sales_without_customer",
    "scorecard",
    "scorecard_insights",
    "scorecard_table",
    "top_breakdown",
    "top_breakdown_in_period",
    "totals_with_sales_without_customer",
]
