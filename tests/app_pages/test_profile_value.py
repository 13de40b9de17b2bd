"""AppTest: a customer's expected value on Customer profile is the one Customer value shows."""

from tests.apptest_utils import frame_with, run_page

PROFILE = "app_pages/profile.py"
VALUE = "app_pages/value.py"


def number(text: str) -> float:
    return float(text.replace(",", "").lstrip("$€£¥₹"))  # money in the file's currency


def test_profile_value_equals_the_value_page_for_a_customer_of_the_example_shop():
    at = run_page(VALUE)
    assert not at.exception
    top = frame_with(at, "Expected value (discounted)")
    customer = str(top["Customer"].iloc[0])
    on_value_page = float(top["Expected value (discounted)"].iloc[0])
    # The value page's default purchase model on the example shop is the comparison's best,
    # not BG/NBD: the profile must use the same one.
    used = next(c for c in frame_with(at, "Model")["Model"] if "used for forecasts" in c)
    assert not used.startswith("BG/NBD")

    at = run_page(PROFILE)
    at.text_input(key="profile_search").set_value(customer).run()
    at.selectbox(key="profile_customer").set_value(customer).run()
    assert not at.exception
    value = next(m for m in at.metric if m.label == "Value, next 12 months")
    assert abs(number(value.value) - on_value_page) <= 0.005 + 1e-9
    assert used.split(" (")[0] in value.help
