"""The page and report defaults agree, to the last decimal, wherever they are used."""

import pytest

from analysis import report
from analysis.core import defaults


def test_monthly_rate_is_the_one_every_page_computed():
    # The value page's formula on its own default, and the one the report and the other pages
    # wrote out: all must give the same float, or the cached fits are not shared.
    assert defaults.MONTHLY_DISCOUNT_RATE == round((1 + 10.0 / 100) ** (1 / 12) - 1, 8)
    assert defaults.MONTHLY_DISCOUNT_RATE == round(1.1 ** (1 / 12) - 1, 8)
    assert defaults.MONTHLY_DISCOUNT_RATE == pytest.approx(0.00797414, abs=1e-12)
    assert defaults.monthly_discount_rate(0.0) == 0.0


def test_value_settings_are_the_value_page_defaults():
    assert dict(defaults.VALUE_SETTINGS) == {
        "months": 12,
        "monthly_discount_rate": defaults.MONTHLY_DISCOUNT_RATE,
        "time_unit": "W",
    }
    with pytest.raises(TypeError):
        defaults.VALUE_SETTINGS["months"] = 6  # read-only: one place only


def test_report_uses_the_same_defaults():
    assert report.VALUE_MONTHS == defaults.VALUE_MONTHS
    assert report.YEARLY_DISCOUNT == defaults.YEARLY_DISCOUNT
    assert report.CHURN_DAYS == defaults.CHURN_DAYS


def test_every_default_is_one_of_its_options():
    for name in defaults.__all__:
        setting = getattr(defaults, name)
        if isinstance(setting, defaults.Setting) and setting.options:
            assert setting.default in setting.options, name
