"""The page and report defaults, defined once, each with the help text its control shows.

A page and the report (and the pages that reuse another page's models) must ask for exactly
the same settings to share a cached result: ``ui.cache.compute`` keys results by their keyword
arguments, so a monthly discount rate computed twice in two slightly different ways (``1.1 **
(1 / 12) - 1`` against ``(1 + 10 / 100) ** (1 / 12) - 1``, rounded or not) would fit every
model twice. Every such default is therefore a :class:`Setting` here, and the values the
analyses are called with (:data:`MONTHLY_DISCOUNT_RATE`, :data:`VALUE_SETTINGS`) are computed
here once.

- Customer value: :data:`VALUE_HORIZON` (12 months), :data:`DISCOUNT_RATE` (10% a year),
  :data:`VALUE_TIME_UNIT` (weeks) and :data:`CHURN_HORIZON` (90 days).
- RFM: :data:`RFM_BINS` (scores 1 to 5).
- Cohorts: :data:`COHORT_PERIOD` (months) and :data:`COHORT_KIND` (classic retention).
- Trends: :data:`TREND_PERIOD` (months), the NPS trend and the new-versus-returning chart.
- Feedback: :data:`FEEDBACK_WINDOW` (90 days after answering).
- Overview: :data:`OVERVIEW_PERIOD` (all time) and :data:`OVERVIEW_COMPARISON` (previous
  period).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

__all__ = [
    "CHURN_DAYS",
    "CHURN_HORIZON",
    "COHORT_KIND",
    "COHORT_PERIOD",
    "DISCOUNT_RATE",
    "FEEDBACK_WINDOW",
    "MONTHLY_DISCOUNT_RATE",
    "OVERVIEW_COMPARISON",
    "OVERVIEW_PERIOD",
    "RFM_BINS",
    "Setting",
    "TREND_PERIOD",
    "VALUE_HORIZON",
    "VALUE_MONTHS",
    "VALUE_SETTINGS",
    "VALUE_TIME_UNIT",
    "YEARLY_DISCOUNT",
    "monthly_discount_rate",
]


@dataclass(frozen=True)
class Setting:
    """One setting a page offers: its label, default, choices and help text.

    Attributes
    ----------
    label : str
        The control's label on the page.
    default : Any
        The value used when the visitor changes nothing (and by the report).
    help : str
        The control's help text (plain Markdown written here, no data in it).
    options : tuple
        The choices offered, when the control offers a fixed list; empty otherwise.
    """

    label: str
    default: Any
    help: str = ""
    options: tuple = ()


def monthly_discount_rate(yearly_percent: float) -> float:
    """Return the monthly discount rate equivalent to a yearly one.

    Parameters
    ----------
    yearly_percent : float
        Discount rate per year, in percent (10.0 means 10% a year).

    Returns
    -------
    float
        ``(1 + yearly_percent / 100) ** (1 / 12) - 1``, rounded to 8 decimals so that every
        caller passes the very same float (and shares the cached models).
    """
    return round((1 + yearly_percent / 100) ** (1 / 12) - 1, 8)


# ------------------------------------------------------------------------------ customer value
VALUE_HORIZON = Setting(
    label="Value horizon (months)",
    default=12,
    options=(3, 6, 12, 24, 36),
    help="How far ahead each customer's expected value is added up.",
)
DISCOUNT_RATE = Setting(
    label="Discount rate per year (%)",
    default=10.0,
    help="Money later is worth less than money now. 10% a year is a common choice; use your "
    "cost of capital if you know it.",
)
CHURN_HORIZON = Setting(
    label="Churn horizon (days)",
    default=90,
    options=(30, 60, 90, 180),
    help="A customer counts as lost when they make no purchase within this many days.",
)
VALUE_TIME_UNIT = Setting(
    label="Time unit of the model",
    default="W",
    options=("W", "D"),
    help="Only changes the units of the model's parameters (alpha is per week or per day); "
    "the predictions are the same.",
)

#: Months of expected value (the value page's default, the report's and the profile's).
VALUE_MONTHS: int = VALUE_HORIZON.default
#: The yearly discount rate as a fraction (0.1), for sentences ("10% a year").
YEARLY_DISCOUNT: float = DISCOUNT_RATE.default / 100
#: The monthly rate every default model fit is called with (10% a year, to 8 decimals).
MONTHLY_DISCOUNT_RATE: float = monthly_discount_rate(DISCOUNT_RATE.default)
#: Days of the churn horizon (the value page's default, the report's, actions' and profile's).
CHURN_DAYS: int = CHURN_HORIZON.default
#: The keyword arguments of ``analysis.clv.value_report`` at the value page's defaults: pages
#: and the report that pass exactly these share the value page's cached fits.
VALUE_SETTINGS = MappingProxyType(
    {
        "months": VALUE_MONTHS,
        "monthly_discount_rate": MONTHLY_DISCOUNT_RATE,
        "time_unit": VALUE_TIME_UNIT.default,
    }
)

# ------------------------------------------------------------------------------ other pages
RFM_BINS = Setting(
    label="Number of scores",
    default=5,
    options=(3, 4, 5),
    help="Each of R, F and M is scored from 1 to this number (5 is the usual choice).",
)
COHORT_PERIOD = Setting(
    label="Period",
    default="M",
    options=("W", "M", "Q"),
    help="Weeks run from Monday to Sunday; months and quarters are calendar ones.",
)
COHORT_KIND = Setting(
    label="Counts a customer",
    default="classic",
    options=("classic", "unbounded"),
    help="In that period (classic retention): they bought in exactly that period. Then or "
    "later (unbounded retention): they bought in that period or any later one. Only for "
    "'Customers who come back'.",
)
TREND_PERIOD = Setting(
    label="Period",
    default="M",
    options=("W", "M", "Q"),
    help="The length of each point of a trend: a week, a month or a quarter.",
)
FEEDBACK_WINDOW = Setting(
    label="Window after answering",
    default=90,
    options=(30, 60, 90, 180),
    help="How many days after their answer each respondent's purchases are counted.",
)
OVERVIEW_PERIOD = Setting(label="Period", default="all")
OVERVIEW_COMPARISON = Setting(
    label="Compared with",
    default="previous",
    options=("previous", "last_year"),
    help="The change under each figure is against this window. 'Previous period' is the "
    "window of the same length just before; 'Same period last year' the same days a year "
    "earlier.",
)
