"""Every page's analyses on pathological shapes of data cost about what a normal file costs.

Issues #11 and #14: work must grow with what a page shows, not with how the file is shaped. Each
shape below is a canonical transactions table (as ``analysis.ingest.prepare_transactions`` makes
it) with the same number of lines as the normal table; every page-level analysis function the
pages call is timed on both in the same test, and the shape may cost at most
``RATIO`` times the normal time plus ``SLACK`` seconds (generous: the machine is shared).

The shapes: many distinct products (every line its own product, or two lines each), a few huge
orders holding the whole catalogue, many one-purchase customers,
one customer with very many orders, ten years of daily orders, all refunds, one day only, one
customer only, extreme amounts (1e300, -1e300), breakdown columns with thousands of distinct
values, and a wide table (hundreds of extra columns).

Customer value (``analysis.clv.value_report``) and churn risk (``analysis.churn.churn_model``)
may answer a degenerate shape with a ``ValueError`` carrying a message: that is a valid answer.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from analysis import cohorts, overview, patterns, profile, rfm

N_LINES = 20_000
"""Lines per generated table: big enough for quadratic work to show, small enough to be quick."""

RATIO = 3.0
"""A shape may take at most this many times the normal table's time (plus ``SLACK``)."""

SLACK = 1.0
"""Seconds added to every bound: short calls are dominated by noise on a loaded machine."""

START = np.datetime64("2021-01-01T00:00:00", "s")
PRODUCTS = 300
CATEGORIES = np.array(["Coffee", "Tea", "Accessories", "Gifts", "Subscriptions"])
CHANNELS = np.array(["Web", "Mobile app", "Marketplace", "Instagram"])
COUNTRIES = np.array(["Germany", "France", "Austria", "Italy", "Spain", "Netherlands"])


def _names(prefix: str, codes: np.ndarray, width: int = 6) -> pd.Series:
    return pd.Series(np.char.add(prefix, np.char.zfill(codes.astype(str), width)), dtype="str")


def _table(
    customer: np.ndarray,
    order: np.ndarray,
    seconds: np.ndarray,
    amount: np.ndarray,
    product: np.ndarray,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """A canonical transactions table from per-line arrays (one value per line)."""
    n = len(customer)
    quantity = rng.integers(1, 4, n).astype(float)
    with np.errstate(all="ignore"):
        unit_price = amount / quantity
    return pd.DataFrame(
        {
            "customer_id": _names("C", customer),
            "order_id": _names("O", order, 8),
            "order_date": (START + seconds.astype(np.int64)).astype("datetime64[ns]"),
            "amount": amount.astype(float),
            "quantity": quantity,
            "unit_price": unit_price,
            "product": _names("P", product),
            "category": pd.Series(CATEGORIES[product % len(CATEGORIES)], dtype="str"),
            "channel": pd.Series(CHANNELS[customer % len(CHANNELS)], dtype="str"),
            "country": pd.Series(COUNTRIES[customer % len(COUNTRIES)], dtype="str"),
        }
    )


def normal(n: int = N_LINES, seed: int = 0) -> pd.DataFrame:
    """An ordinary shop: ~n/10 customers, ~3 lines an order, 300 products, three years."""
    rng = np.random.default_rng(seed)
    n_customers = max(n // 10, 1)
    n_orders = max(n // 3, 1)
    weights = rng.gamma(0.6, 1.0, n_customers)
    order_customer = rng.choice(n_customers, size=n_orders, p=weights / weights.sum())
    first_day = rng.integers(0, 1095, n_customers)
    order_day = np.minimum(first_day[order_customer] + rng.exponential(120, n_orders), 1094)
    order_seconds = order_day.astype(np.int64) * 86400 + rng.integers(8 * 3600, 22 * 3600, n_orders)
    line_order = np.sort(rng.integers(0, n_orders, n))
    popularity = 1.0 / np.arange(1, PRODUCTS + 1)
    product = rng.choice(PRODUCTS, size=n, p=popularity / popularity.sum())
    amount = np.round(rng.gamma(2.0, 12.0, n), 2)
    refund = rng.random(n) < 0.02
    amount[refund] = -amount[refund]
    return _table(
        order_customer[line_order], line_order, order_seconds[line_order], amount, product, rng
    )


def many_products(n: int = N_LINES) -> pd.DataFrame:
    """The normal table, but every line sells a product no other line sells."""
    return normal(n).assign(product=_names("P", np.arange(n), 7))


def product_pairs(n: int = N_LINES) -> pd.DataFrame:
    """The normal table, but half as many distinct products as lines, each on two lines (so
    each is bought by two customers and takes part in recommendations)."""
    rng = np.random.default_rng(4)
    return normal(n).assign(product=_names("P", rng.permutation(n) // 2, 7))


def huge_orders(n: int = N_LINES, size: int = 4_000) -> pd.DataFrame:
    """A handful of orders of ``size`` lines each, every one holding the whole catalogue of
    ``size`` products (every pair of products is bought together in every order)."""
    tx = normal(n)
    rng = np.random.default_rng(7)
    order = np.arange(n) // size
    product = np.concatenate([rng.permutation(size) for _ in range(order[-1] + 1)])[:n]
    return tx.assign(
        order_id=_names("O", order, 8),
        customer_id=_names("C", order),
        order_date=tx["order_date"].sort_values().to_numpy()[order * size],
        product=_names("P", product),
    )


def one_purchase_customers(n: int = N_LINES) -> pd.DataFrame:
    """Every order is a new customer's only order (nobody ever comes back)."""
    tx = normal(n)
    return tx.assign(customer_id=tx["order_id"].str.replace("O", "C", regex=False))


def one_customer_many_orders(n: int = N_LINES) -> pd.DataFrame:
    """The normal table, but half of its orders belong to a single customer."""
    tx = normal(n)
    orders = pd.factorize(tx["order_id"])[0]
    heavy = orders % 2 == 0
    return tx.assign(customer_id=tx["customer_id"].where(~heavy, "C_HEAVY"))


def one_customer_only(n: int = N_LINES) -> pd.DataFrame:
    """One customer placed every order."""
    return normal(n).assign(customer_id="C000001")


def ten_years_daily(n: int = N_LINES, seed: int = 3) -> pd.DataFrame:
    """Orders on every day of ten years, each line its own order, from n/10 customers."""
    rng = np.random.default_rng(seed)
    days = np.sort(rng.integers(0, 3653, n))
    seconds = days * 86400 + rng.integers(0, 86400, n)
    customer = rng.integers(0, max(n // 10, 1), n)
    product = rng.integers(0, PRODUCTS, n)
    amount = np.round(rng.gamma(2.0, 12.0, n), 2)
    return _table(customer, np.arange(n), seconds, amount, product, rng)


def all_refunds(n: int = N_LINES) -> pd.DataFrame:
    """Every line is a refund (negative amount)."""
    tx = normal(n)
    return tx.assign(amount=-tx["amount"].abs(), unit_price=-tx["unit_price"].abs())


def one_day(n: int = N_LINES) -> pd.DataFrame:
    """Every line on the same day."""
    tx = normal(n)
    day = tx["order_date"].dt.normalize().min()
    return tx.assign(order_date=day + (tx["order_date"] - tx["order_date"].dt.normalize()))


def extreme_amounts(n: int = N_LINES) -> pd.DataFrame:
    """Amounts near the float limit: sums overflow to inf, differences to nan if not guarded."""
    tx = normal(n)
    rng = np.random.default_rng(5)
    big = rng.choice(np.array([1e300, -1e300, 1e308, 5e307]), size=n)
    pick = rng.random(n) < 0.3
    amount = np.where(pick, big, tx["amount"].to_numpy())
    return tx.assign(amount=amount, unit_price=amount / tx["quantity"].to_numpy())


def many_categories(n: int = N_LINES) -> pd.DataFrame:
    """Channel, country and category with thousands of distinct values each."""
    tx = normal(n)
    rng = np.random.default_rng(6)
    return tx.assign(
        channel=_names("ch", rng.integers(0, n // 5, n)),
        country=_names("co", rng.integers(0, n // 5, n)),
        category=_names("ca", rng.integers(0, n // 5, n)),
    )


def wide(n: int = N_LINES, extra: int = 300) -> pd.DataFrame:
    """The normal table with hundreds of extra (contact-like) text columns."""
    tx = normal(n)
    filler = pd.Series(np.char.add("x", (np.arange(n) % 97).astype(str)), dtype="str")
    extras = pd.DataFrame({f"extra_{i}": filler for i in range(extra)})
    return pd.concat([tx, extras], axis=1)


SHAPES: dict[str, Callable[[], pd.DataFrame]] = {
    "many_products": many_products,
    "product_pairs": product_pairs,
    "huge_orders": huge_orders,
    "one_purchase_customers": one_purchase_customers,
    "one_customer_many_orders": one_customer_many_orders,
    "one_customer_only": one_customer_only,
    "ten_years_daily": ten_years_daily,
    "all_refunds": all_refunds,
    "one_day": one_day,
    "extreme_amounts": extreme_amounts,
    "many_categories": many_categories,
    "wide": wide,
}
"""Pathological shapes, each a function of no argument returning an ``N_LINES``-line table."""


def _top_item(tx: pd.DataFrame) -> str:
    top = patterns.top_items(tx, column="product", n=200, by="customers")
    return str(top["product"].iloc[0]) if len(top) else "nothing"


def _rfm_page(tx: pd.DataFrame):
    first, as_of = rfm.date_bounds(tx)
    table = rfm.rfm_table(tx, as_of=as_of)
    summary = rfm.segment_summary(table)
    rfm.summary_sentences(summary)
    previous = max(as_of - pd.Timedelta(days=90), first + pd.Timedelta(days=1))
    if previous < as_of:
        rfm.segment_migration(tx, as_of=as_of, previous_as_of=previous)
    rfm.customer_attributes(tx, as_of=as_of)
    if len(table) >= 10:
        try:  # the page shows this message instead of the groups
            rfm.rfm_clusters(tx, as_of=as_of)
        except ValueError as exc:
            assert str(exc).strip()
    example = rfm.example_customer(table)
    if example is not None:
        rfm.customer_orders(tx, customer_id=example, as_of=as_of)
    for measure in ("recency", "frequency", "monetary"):
        if len(table):
            rfm.distribution_counts(table, measure)


def _overview_page(tx: pd.DataFrame):
    overview.dataset_size_check(tx)
    card = overview.scorecard(tx)
    overview.scorecard_insights(card)
    overview.scorecard_table(card)
    overview.new_vs_returning(tx, freq="M")
    for column in overview.available_breakdowns(tx):
        overview.top_breakdown(tx, column=column, n=10)


def _cohorts_page(tx: pd.DataFrame):
    breakdowns = cohorts.breakdown_columns(tx)
    sizes = cohorts.cohort_sizes(tx, period="M")
    if len(sizes) == 0:
        return
    cohorts.cohort_report(tx, period="M", metric="customers", kind="classic", at=1)
    for by in breakdowns[:1]:
        cohorts.cohort_report(tx, period="M", metric="revenue", by=by, at=1)


def _patterns_when(tx: pd.DataFrame):
    wh = patterns.weekday_hour(tx)
    patterns.describe_weekday_hour(wh)
    wm = patterns.weekday_month(tx)
    patterns.describe_weekday_month(wm)
    season = patterns.monthly_seasonality(tx)
    patterns.describe_seasonality(season)
    reorder = patterns.reorder_summary(tx)
    patterns.describe_reorder(reorder)
    for column in ("category", "product"):
        by_item = patterns.reorder_by_item(tx, column=column)
        patterns.describe_reorder_by_item(by_item, column)


def _patterns_what(tx: pd.DataFrame):
    for by in ("revenue", "repeat_rate"):
        top = patterns.top_items(tx, column="product", n=20, by=by)
        patterns.describe_top_items(top, "product")
    first = patterns.first_order_items(tx, column="product")
    patterns.describe_first_orders(first, "product")
    patterns.items_that_bring_back(first)


def _patterns_together(tx: pd.DataFrame):
    for column in ("product", "category"):
        rules = patterns.association_rules(tx, column=column)
        patterns.describe_rules(rules)
        patterns.strongest_pairs(patterns.filter_rules(rules, min_lift=1.0), n=12)
        recs = patterns.recommendations(tx, column=column, n=5)
        patterns.describe_recommendations(recs)
    patterns.similar_items(tx, item=_top_item(tx), column="product", n=10)


def _patterns_pay(tx: pd.DataFrame):
    values = patterns.order_value_summary(tx)
    patterns.describe_order_values(values)
    for by in ("segment", "channel", "country", "category"):
        spend = patterns.spend_per_customer(tx, by=by)
        patterns.describe_spend(spend, by)
    for by in (None, "category"):
        bands = patterns.price_bands(tx, by=by)
        patterns.describe_price_bands(bands, by)
    patterns.describe_discounts(patterns.discount_share(tx))


def _patterns_how(tx: pd.DataFrame):
    for column in ("channel", "country"):
        table = overview.top_breakdown(tx, column=column, n=10)
        patterns.describe_breakdown(table, column)
    acquisition = patterns.channel_acquisition(tx, column="channel")
    patterns.describe_channel_acquisition(acquisition, "channel")


def _profile_page(tx: pd.DataFrame):
    listing = profile.customer_list(tx)
    if len(listing) == 0:
        return
    found = profile.search_customers(listing, "", n=500)
    profile.picker_labels(found)
    customer = str(listing["customer_id"].iloc[0])
    p = profile.customer_profile(tx, customer)
    card = profile.rfm_card(rfm.rfm_table(tx), customer)
    recs = patterns.recommendations(tx, column="product", n=5)
    profile.for_customer(recs, customer)
    store = overview.scorecard(tx)
    profile.profile_sentences(p, rfm=card, store_average_order=store.average_order_value)


def _value_page(tx: pd.DataFrame):
    from analysis import clv

    clv.value_report(tx, months=12, monthly_discount_rate=0.00797414, time_unit="W")


def _churn(tx: pd.DataFrame):
    from analysis import churn

    churn.churn_model(tx, horizon_days=90)


def _feedback_behaviour(tx: pd.DataFrame):
    from analysis import feedback

    customers = tx["customer_id"].drop_duplicates().head(2000).to_numpy()
    rng = np.random.default_rng(9)
    end = tx["order_date"].max()
    responses = pd.DataFrame(
        {
            "response_date": end - pd.to_timedelta(rng.integers(100, 400, len(customers)), "D"),
            "score": rng.integers(0, 11, len(customers)).astype(float),
            "customer_id": pd.Series(customers, dtype="str"),
        }
    )
    feedback.behaviour_from_tables(tx, responses, days=90)


PAGES: dict[str, Callable[[pd.DataFrame], object]] = {
    "overview": _overview_page,
    "rfm": _rfm_page,
    "cohorts": _cohorts_page,
    "patterns_when": _patterns_when,
    "patterns_what": _patterns_what,
    "patterns_together": _patterns_together,
    "patterns_pay": _patterns_pay,
    "patterns_how": _patterns_how,
    "profile": _profile_page,
    "feedback_behaviour": _feedback_behaviour,
    "value": _value_page,
    "churn": _churn,
}
"""Each page's analysis calls, with the page's default settings."""

MODEL_PAGES = ("value", "churn")
"""Pages fitting models (helper work in ``analysis.clv`` / ``analysis.churn``): they may refuse a
degenerate shape with a ``ValueError`` and a message, the page shows it."""


def run_page(page: str, tx: pd.DataFrame) -> tuple[float, str | None]:
    """Seconds the page's analyses take on ``tx``, and the refusal message if they refused.

    Pages other than the model pages run under ``np.errstate(all="raise")``: extreme amounts
    must not make them fail even when numpy is told to raise on overflow.
    """
    refusal = None
    strict = page not in MODEL_PAGES
    with warnings.catch_warnings(), np.errstate(all="raise" if strict else "ignore"):
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        try:
            PAGES[page](tx)
        except ValueError as exc:
            if strict:
                raise
            refusal = str(exc)
            assert refusal.strip(), f"{page}: a refusal without a message"
        seconds = time.perf_counter() - start
    return seconds, refusal


def _baseline(pages, n: int) -> dict[str, float]:
    """Seconds of each page on the normal table (the better of a warm-up and a second run)."""
    tx = normal(n)
    return {page: min(run_page(page, tx)[0] for _ in range(2)) for page in pages}


def _check(shape: str, pages, baseline: dict[str, float], n: int) -> None:
    tx = SHAPES[shape](n)
    assert 0.5 * n <= len(tx) <= 1.5 * n, "a shape must keep the size of the normal table"
    slow = []
    for page in pages:
        seconds, _ = run_page(page, tx)
        bound = RATIO * baseline[page] + SLACK
        if seconds > bound:
            seconds = min(seconds, run_page(page, tx)[0])  # once more: the machine is shared
        if seconds > bound:
            slow.append(f"{page}: {seconds:.2f} s > {bound:.2f} s (normal {baseline[page]:.2f} s)")
    assert not slow, f"{shape}: " + "; ".join(slow)


PAGE_NAMES = tuple(p for p in PAGES if p not in MODEL_PAGES)
N_MODEL_LINES = 2_000
"""Lines per table for the model pages (each fit takes seconds, so a smaller table)."""


@pytest.fixture(scope="module")
def page_baseline() -> dict[str, float]:
    return _baseline(PAGE_NAMES, N_LINES)


@pytest.fixture(scope="module")
def model_baseline() -> dict[str, float]:
    return _baseline(MODEL_PAGES, N_MODEL_LINES)


@pytest.mark.slow
@pytest.mark.parametrize("shape", list(SHAPES))
def test_pages_bounded_on_pathological_shape(shape, page_baseline):
    _check(shape, PAGE_NAMES, page_baseline, N_LINES)


@pytest.mark.slow
@pytest.mark.parametrize("shape", list(SHAPES))
def test_model_pages_bounded_or_refuse_on_pathological_shape(shape, model_baseline):
    _check(shape, MODEL_PAGES, model_baseline, N_MODEL_LINES)


# ------------------------------------------------------------------------------ quick checks


@pytest.mark.parametrize(
    "shape", ["all_refunds", "one_day", "one_customer_only", "extreme_amounts"]
)
def test_every_page_answers_a_small_degenerate_table(shape):
    """No error (numpy told to raise on overflow) on a 500-line version of each shape."""
    tx = SHAPES[shape](500)
    for page in PAGE_NAMES:
        run_page(page, tx)


def test_float_safe_functions_never_raise_on_overflow():
    from analysis.core import floats, orders

    def total(a):
        """Sum."""
        return float(np.asarray(a).sum() * 10)

    safe = floats.float_safe(total)
    assert safe.__name__ == "total" and safe.__doc__ == "Sum." and floats.float_safe(safe) is safe
    with np.errstate(all="raise"):
        assert safe([1e308, 1e308]) == np.inf
        with pytest.raises(FloatingPointError):
            total([1e308, 1e308])
        # rounding to cents must not overflow a finite value into inf
        assert orders.round_money(np.array([1e308, -1e308, 0.125])).tolist() == [
            1e308,
            -1e308,
            0.125,
        ]
    assert floats.largest_amount([np.nan, -3.0, np.inf, 2.0]) == 3.0
    assert floats.largest_amount([]) == 0.0
    for module in (overview, rfm, cohorts, patterns, profile):
        for name in module.__all__:
            obj = getattr(module, name)
            if callable(obj) and not isinstance(obj, type):
                assert getattr(obj, "__float_safe__", False), f"{module.__name__}.{name}"
