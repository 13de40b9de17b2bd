"""Generate the example datasets of Customer Focus.

Run ``python sample_data/generate.py`` to rewrite every generated file in this folder:

* ``online_shop_transactions.csv`` - three years (2022-01-01 to 2024-12-31) of line items of a
  small online coffee & tea shop, about 5,000 customers;
* ``online_shop_responses.csv`` - survey answers (NPS, CSAT, CES, comment) of some of those
  customers;
* ``cafe_sales.xlsx`` - a small hand-kept café sales workbook for 2024.

The output is deterministic: a fixed seed feeds ``numpy.random.default_rng``, so running the
script twice gives byte-identical files.

How the online shop is simulated
--------------------------------
The shop follows the story that customer-lifetime-value models (BG/NBD, Pareto/NBD and
Gamma-Gamma) assume, plus a few real-world details:

1. **Acquisition.** Each customer makes a first purchase on a day drawn from a daily weight
   that grows over the three years (the shop doubles its reach) and peaks in November and
   December (gift season).
2. **Repeat purchases.** While *active*, a customer buys on any day with a small probability,
   their personal purchase rate. Rates differ between customers (gamma distributed, the
   "NBD" part) and move with the season. Coffee drinkers reorder faster than tea drinkers,
   gift buyers mostly come back at Christmas, and subscribers are billed about every 30 days.
3. **Silent dropout.** After every purchase a customer may quietly stop buying for good, with a
   personal probability (beta distributed, the "BG" part). Nobody tells the shop - it only
   sees that the orders stop. Customers acquired through the mobile app stay longest, those
   from the marketplace or Instagram leave soonest.
4. **Spend.** Each customer has a spend level (gamma distributed, the "Gamma-Gamma" part):
   big spenders put more items, and larger quantities, into each basket.
5. **Baskets.** An order has one or more lines. Products pull in companions (coffee beans
   with paper filters, a dripper with filters, tea with an infuser ...), so basket analysis
   finds rules.
6. **Discounts and refunds.** Some orders use a promo code (15% off the unit price). About 2%
   of orders see one line refunded a few days later, as a separate order "R<order id>" with a
   negative quantity and amount.
7. **Survey.** After an order, some customers are asked "How likely are you to recommend
   us?" and answer a few days later (at most once per customer). The answer follows a hidden
   satisfaction of the customer, the channel, a slow upward trend and a courier problem in
   autumn 2023 that drags the scores down. The answer then changes the customer's future:
   detractors (0-6) buy less often and drop out more, promoters (9-10) buy more and stay.
   Comments are built from a phrase bank about delivery, price, quality and support.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter

SEED = 20240601
OUT_DIR = Path(__file__).resolve().parent
TRANSACTIONS_FILE = OUT_DIR / "online_shop_transactions.csv"
RESPONSES_FILE = OUT_DIR / "online_shop_responses.csv"
CAFE_FILE = OUT_DIR / "cafe_sales.xlsx"

START = pd.Timestamp("2022-01-01")
END = pd.Timestamp("2024-12-31")
NPS_QUESTION = "How likely are you to recommend us to a friend or colleague?"

# ---------------------------------------------------------------------------------------------
# Catalogue
# ---------------------------------------------------------------------------------------------

# product, category, list price in EUR
CATALOGUE: list[tuple[str, str, float]] = [
    ("House Blend Coffee Beans 1kg", "Coffee", 29.50),
    ("Espresso Blend Coffee Beans 250g", "Coffee", 8.90),
    ("Ethiopia Yirgacheffe Beans 250g", "Coffee", 11.50),
    ("Colombia Huila Beans 250g", "Coffee", 10.90),
    ("Decaf Swiss Water Beans 250g", "Coffee", 10.50),
    ("Ground Filter Coffee 500g", "Coffee", 12.90),
    ("Earl Grey Tea 100g", "Tea", 7.50),
    ("Sencha Green Tea 100g", "Tea", 8.90),
    ("Chai Spice Tea 100g", "Tea", 7.90),
    ("Chamomile Tea 50g", "Tea", 5.90),
    ("Ceremonial Matcha 30g", "Tea", 14.90),
    ("Paper Filters (100 pcs)", "Accessories", 4.50),
    ("Pour-Over Dripper", "Accessories", 22.00),
    ("Hand Grinder", "Accessories", 49.00),
    ("French Press 1L", "Accessories", 34.00),
    ("Tea Infuser", "Accessories", 9.50),
    ("Milk Frother", "Accessories", 29.00),
    ("Travel Mug", "Accessories", 19.50),
    ("Coffee Gift Box", "Gifts", 39.00),
    ("Tea Tasting Set", "Gifts", 32.00),
    ("Gift Card 25 EUR", "Gifts", 25.00),
    ("Advent Calendar", "Gifts", 45.00),
    ("Coffee Subscription (monthly)", "Subscriptions", 24.00),
    ("Tea Subscription (monthly)", "Subscriptions", 19.00),
]
PRODUCTS = pd.DataFrame(CATALOGUE, columns=["product", "category", "list_price"])
PRICE = dict(zip(PRODUCTS["product"], PRODUCTS["list_price"], strict=True))
CATEGORY = dict(zip(PRODUCTS["product"], PRODUCTS["category"], strict=True))

# Co-purchase affinity: buying the key product adds the companion with this probability.
COMPANIONS: dict[str, list[tuple[str, float]]] = {
    "Pour-Over Dripper": [("Paper Filters (100 pcs)", 0.75), ("Colombia Huila Beans 250g", 0.3)],
    "Hand Grinder": [("Ethiopia Yirgacheffe Beans 250g", 0.55), ("Pour-Over Dripper", 0.2)],
    "French Press 1L": [("House Blend Coffee Beans 1kg", 0.4), ("Ground Filter Coffee 500g", 0.3)],
    "Ethiopia Yirgacheffe Beans 250g": [("Paper Filters (100 pcs)", 0.3)],
    "Colombia Huila Beans 250g": [("Paper Filters (100 pcs)", 0.3)],
    "Ground Filter Coffee 500g": [("Paper Filters (100 pcs)", 0.45)],
    "Espresso Blend Coffee Beans 250g": [("Milk Frother", 0.08)],
    "Sencha Green Tea 100g": [("Tea Infuser", 0.25)],
    "Earl Grey Tea 100g": [("Tea Infuser", 0.15), ("Chai Spice Tea 100g", 0.15)],
    "Ceremonial Matcha 30g": [("Milk Frother", 0.3)],
    "Chai Spice Tea 100g": [("Milk Frother", 0.1)],
    "Coffee Gift Box": [("Gift Card 25 EUR", 0.15), ("Travel Mug", 0.2)],
    "Tea Tasting Set": [("Tea Infuser", 0.35)],
}

# What customers mainly come for. Each has a purchase-rate multiplier (reorder cycle).
SEGMENTS = {  # segment: (share of customers, rate multiplier)
    "Coffee": (0.52, 1.25),
    "Tea": (0.30, 0.85),
    "Gifts": (0.08, 0.35),
    "Subscriptions": (0.10, 0.0),  # billed every ~30 days instead, see simulate_shop()
}
SUBSCRIPTION_GAP_DAYS = (28, 34)  # days between two subscription orders (inclusive range)

# Acquisition channel: share of new customers, purchase-rate and dropout multipliers.
CHANNELS = {
    "Web": (0.45, 1.0, 1.0),
    "Mobile app": (0.22, 1.25, 0.65),
    "Marketplace": (0.20, 0.8, 1.5),
    "Instagram": (0.13, 0.9, 1.35),
}
COUNTRIES = {
    "Germany": 0.40,
    "Netherlands": 0.17,
    "Austria": 0.13,
    "France": 0.12,
    "Belgium": 0.10,
    "Denmark": 0.08,
}
# January ... December: how busy the shop is compared with an average month.
MONTH_SEASON = np.array([0.9, 0.85, 0.95, 0.95, 0.9, 0.85, 0.8, 0.8, 0.95, 1.05, 1.45, 1.75])
# Monday ... Sunday
WEEKDAY_SEASON = np.array([1.1, 1.05, 1.0, 1.0, 0.95, 0.85, 1.05])
# Hour of day an order is placed (online orders peak at lunch time and in the evening).
HOUR_WEIGHTS = np.array(
    [
        1,
        0.5,
        0.3,
        0.2,
        0.2,
        0.4,
        1,
        2.5,
        3.5,
        4,
        4.5,
        5,
        6,
        5.5,
        4.5,
        4,
        4,
        4.5,
        5.5,
        7,
        8,
        7,
        4.5,
        2,
    ]
)

# Survey period in which a new courier delivered late and damaged parcels.
COURIER_PROBLEM = (pd.Timestamp("2023-09-01"), pd.Timestamp("2023-11-30 23:59"))
# After answering the survey: (purchase-rate multiplier, dropout multiplier) by NPS group.
AFTER_SURVEY = {"promoter": (1.3, 0.5), "passive": (1.0, 1.0), "detractor": (0.5, 2.5)}

FIRST_NAMES = (
    "anna emma lena mia sophie laura julia sara lisa nina marie clara eva hanna lotte ines "
    "lucas jonas finn paul leon noah ben luca elias felix max tom jan lars sven jens david "
    "pierre louis camille chloe manon hugo thomas sofie daan bram"
).split()
LAST_NAMES = (
    "mueller schmidt schneider fischer weber meyer wagner becker hoffmann koch richter klein "
    "wolf neumann schwarz dejong jansen devries bakker visser smit gruber huber bauer "
    "martin bernard dubois durand leroy moreau peeters janssens maes jacobs nielsen hansen "
    "pedersen andersen larsen"
).split()


def day_weights(days: pd.DatetimeIndex) -> np.ndarray:
    """Seasonal busyness of each day: month factor times weekday factor.

    Parameters
    ----------
    days : pd.DatetimeIndex
        Calendar days.

    Returns
    -------
    np.ndarray
        One positive weight per day, about 1 on average.
    """
    return MONTH_SEASON[days.month - 1] * WEEKDAY_SEASON[days.day_of_week]


# ---------------------------------------------------------------------------------------------
# Customers
# ---------------------------------------------------------------------------------------------


def make_customers(
    rng: np.random.Generator, n_customers: int, days: pd.DatetimeIndex
) -> pd.DataFrame:
    """Draw the customers with their hidden traits.

    Parameters
    ----------
    rng : np.random.Generator
        Random generator.
    n_customers : int
        Number of customers.
    days : pd.DatetimeIndex
        Simulated calendar days.

    Returns
    -------
    pd.DataFrame
        One row per customer, sorted by acquisition day, with ``customer_id``, ``email``,
        ``acq_day`` (index into ``days``), ``channel``, ``country``, ``segment``, ``favourite``
        product, ``rate`` (purchases per day), ``dropout`` (probability after each purchase),
        ``spend`` level, ``satisfaction`` (latent, standard normal) and survey ``plan``.
    """
    n = n_customers
    # 1. Acquisition day: growth over the years times the season.
    growth = 1.0 + np.arange(len(days)) / len(days)
    weights = growth * day_weights(days)
    acq_day = np.sort(rng.choice(len(days), size=n, p=weights / weights.sum()))

    channel = rng.choice(list(CHANNELS), size=n, p=[v[0] for v in CHANNELS.values()])
    country = rng.choice(list(COUNTRIES), size=n, p=list(COUNTRIES.values()))
    segment = rng.choice(list(SEGMENTS), size=n, p=[v[0] for v in SEGMENTS.values()])

    # 2. Favourite product within the segment (subscribers: their subscription).
    favourite = np.empty(n, dtype=object)
    for seg in SEGMENTS:
        in_seg = segment == seg
        choices = PRODUCTS.loc[PRODUCTS["category"] == seg, "product"].to_numpy()
        favourite[in_seg] = rng.choice(choices, size=in_seg.sum())

    # 3. Hidden traits. Gamma purchase rates (mean: one order every ~45 days for a "Web coffee"
    #    customer), beta dropout probabilities, gamma spend level, normal satisfaction.
    satisfaction = rng.normal(0.0, 1.0, size=n)
    channel_rate = np.array([CHANNELS[c][1] for c in channel])
    channel_drop = np.array([CHANNELS[c][2] for c in channel])
    segment_rate = np.array([SEGMENTS[s][1] for s in segment])
    rate = rng.gamma(shape=1.2, scale=(1 / 45) / 1.2, size=n) * channel_rate * segment_rate
    dropout = rng.beta(1.3, 3.5, size=n) * channel_drop * np.exp(-0.3 * satisfaction)
    dropout = np.where(segment == "Subscriptions", dropout * 0.3, dropout)  # cancel rarely
    spend = rng.gamma(shape=3.0, scale=1 / 3.0, size=n)

    plan = np.where(
        segment == "Subscriptions",
        "Subscriber",
        np.where(rng.random(n) < 0.25, "Coffee Club", "Standard"),
    )

    first = rng.choice(FIRST_NAMES, size=n)
    last = rng.choice(LAST_NAMES, size=n)
    number = np.arange(1, n + 1)
    return pd.DataFrame(
        {
            "customer_id": [f"C{k:05d}" for k in number],
            "email": [
                f"{f}.{s}{k}@example.com" for f, s, k in zip(first, last, number, strict=True)
            ],
            "acq_day": acq_day,
            "channel": channel,
            "country": country,
            "segment": segment,
            "favourite": favourite,
            "rate": rate,
            "dropout": np.clip(dropout, 0.01, 0.95),
            "spend": spend,
            "satisfaction": satisfaction,
            "plan": plan,
        }
    )


# ---------------------------------------------------------------------------------------------
# Purchases and survey answers, day by day
# ---------------------------------------------------------------------------------------------


def survey_scores(rng: np.random.Generator, mood: float) -> tuple[int, int, int]:
    """Turn a customer's mood on the day of answering into NPS, CSAT and CES answers.

    Parameters
    ----------
    rng : np.random.Generator
        Random generator.
    mood : float
        Latent satisfaction plus period and channel effects (about standard normal).

    Returns
    -------
    tuple of int
        NPS (0-10), CSAT (1-5) and CES (1-7, 7 = very easy).
    """
    feeling = mood + rng.normal(0.0, 0.6)
    nps = int(np.clip(np.rint(8.1 + 1.9 * feeling), 0, 10))
    csat = int(np.clip(np.rint(3.9 + 0.85 * feeling + rng.normal(0.0, 0.45)), 1, 5))
    ces = int(np.clip(np.rint(5.3 + 0.8 * feeling + rng.normal(0.0, 0.9)), 1, 7))
    return nps, csat, ces


def nps_group(score: int) -> str:
    """Classify an NPS answer: 0-6 detractor, 7-8 passive, 9-10 promoter."""
    if score >= 9:
        return "promoter"
    if score >= 7:
        return "passive"
    return "detractor"


def mood_shift(day: pd.Timestamp, channel: str) -> float:
    """Period and channel effect on satisfaction: slow improvement, courier trouble in 2023."""
    shift = 0.1 * (day - START).days / 365.25
    if COURIER_PROBLEM[0] <= day <= COURIER_PROBLEM[1]:
        shift -= 1.0
    if channel == "Marketplace":
        shift -= 0.25
    return shift


def simulate_shop(
    rng: np.random.Generator, customers: pd.DataFrame, days: pd.DatetimeIndex
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Walk through the calendar and let the customers buy, answer surveys and drop out.

    Parameters
    ----------
    rng : np.random.Generator
        Random generator.
    customers : pd.DataFrame
        Output of :func:`make_customers`.
    days : pd.DatetimeIndex
        Simulated calendar days.

    Returns
    -------
    orders : pd.DataFrame
        One row per order: ``customer`` (row number in ``customers``), ``day``, ``first``
        (the customer's first order).
    answers : pd.DataFrame
        One row per survey answer: ``customer``, ``day``, ``nps``, ``csat``, ``ces``.
    """
    n = len(customers)
    acq_day = customers["acq_day"].to_numpy()
    rate = customers["rate"].to_numpy()
    dropout = customers["dropout"].to_numpy()
    subscriber = (customers["segment"] == "Subscriptions").to_numpy()
    gift_buyer = (customers["segment"] == "Gifts").to_numpy()
    season = day_weights(days)

    active = np.zeros(n, dtype=bool)
    next_renewal = np.full(n, -1)
    asked = np.zeros(n, dtype=bool)  # each customer answers the survey at most once
    rate_after = np.ones(n)  # multipliers set by the survey answer
    dropout_after = np.ones(n)
    orders: list[tuple[int, int, bool]] = []
    answers: list[tuple[int, int, int, int, int]] = []

    for d in range(len(days)):
        # Who buys today? New customers, active customers by chance, subscribers when due.
        new = acq_day == d
        today = rate * rate_after * season[d] * np.where(gift_buyer, season[d] ** 2, 1.0)
        repeat = active & ~subscriber & (rng.random(n) < today)
        renewal = active & subscriber & (next_renewal == d)
        buyers = np.flatnonzero(new | repeat | renewal)
        active[new] = True
        for i in buyers:
            orders.append((i, d, bool(new[i])))
        billed = buyers[subscriber[buyers]]
        gap = rng.integers(*SUBSCRIPTION_GAP_DAYS, endpoint=True, size=len(billed))
        next_renewal[billed] = d + gap

        # Some buyers are asked about their order and answer a few days later.
        invited = buyers[~asked[buyers] & (rng.random(len(buyers)) < 0.2)]
        for i in invited:
            answer_day = d + int(rng.integers(1, 12))
            if answer_day >= len(days):
                continue
            asked[i] = True
            mood = customers.at[i, "satisfaction"] + mood_shift(
                days[answer_day], customers.at[i, "channel"]
            )
            nps, csat, ces = survey_scores(rng, mood)
            answers.append((i, answer_day, nps, csat, ces))
            # The experience behind the answer shapes the customer's future from now on.
            rate_after[i], dropout_after[i] = AFTER_SURVEY[nps_group(nps)]

        # After each purchase a customer may silently stop buying for good.
        p_drop = np.clip(dropout[buyers] * dropout_after[buyers], 0.0, 0.97)
        active[buyers[rng.random(len(buyers)) < p_drop]] = False

    orders_df = pd.DataFrame(orders, columns=["customer", "day", "first"])
    answers_df = pd.DataFrame(answers, columns=["customer", "day", "nps", "csat", "ces"])
    return orders_df, answers_df


# ---------------------------------------------------------------------------------------------
# Baskets, prices, refunds
# ---------------------------------------------------------------------------------------------


def pick_basket(rng: np.random.Generator, favourite: str, segment: str, spend: float) -> list[str]:
    """Choose the products of one order.

    Parameters
    ----------
    rng : np.random.Generator
        Random generator.
    favourite : str
        The customer's favourite product.
    segment : str
        What the customer mainly buys (a category).
    spend : float
        The customer's spend level (mean 1).

    Returns
    -------
    list of str
        Distinct products, in the order they were put in the basket.
    """
    if segment == "Subscriptions":
        basket = [favourite]
        n_extra = int(rng.random() < 0.2)
    else:
        basket = []
        n_extra = 1 + rng.poisson(1.1 * spend)
    for _ in range(n_extra):
        r = rng.random()
        if r < 0.35 and segment != "Subscriptions":
            product = favourite
        elif r < 0.7:
            category = segment if segment != "Subscriptions" else "Coffee"
            product = rng.choice(PRODUCTS.loc[PRODUCTS["category"] == category, "product"])
        else:
            product = rng.choice(PRODUCTS.loc[PRODUCTS["category"] != "Subscriptions", "product"])
        if product not in basket:
            basket.append(str(product))
    for product in list(basket):
        for companion, prob in COMPANIONS.get(product, []):
            if companion not in basket and rng.random() < prob:
                basket.append(companion)
    return basket


def promo_code(rng: np.random.Generator, day: pd.Timestamp, first: bool, channel: str) -> str:
    """Pick the discount code of an order; mostly none (empty string)."""
    black_friday = pd.Timestamp(year=day.year, month=11, day=23)  # day after Thanksgiving:
    black_friday += pd.Timedelta(days=(4 - black_friday.day_of_week) % 7)  # Friday, Nov 23-29
    r = rng.random()
    if first and r < 0.2:
        return "WELCOME15"
    if black_friday <= day <= black_friday + pd.Timedelta(days=3) and r < 0.4:
        return "BLACKFRIDAY"
    if day.month == 12 and day.day <= 20 and r < 0.12:
        return "XMAS15"
    if channel == "Instagram" and r < 0.15:
        return "INSTA15"
    if r < 0.03:
        return "NEWSLETTER15"
    return ""


def order_lines(
    rng: np.random.Generator,
    customers: pd.DataFrame,
    orders: pd.DataFrame,
    days: pd.DatetimeIndex,
) -> pd.DataFrame:
    """Fill every order with products, quantities, prices, a time, channel and discount code.

    Parameters
    ----------
    rng : np.random.Generator
        Random generator.
    customers : pd.DataFrame
        Output of :func:`make_customers`.
    orders : pd.DataFrame
        ``orders`` from :func:`simulate_shop`.
    days : pd.DatetimeIndex
        Simulated calendar days.

    Returns
    -------
    pd.DataFrame
        One row per order line, orders numbered in time order from 100001.
    """
    hour_p = HOUR_WEIGHTS / HOUR_WEIGHTS.sum()
    channel_names = list(CHANNELS)
    channel_p = [v[0] for v in CHANNELS.values()]
    rows = []
    for order in orders.itertuples(index=False):
        c = customers.iloc[order.customer]
        day = days[order.day]
        if c["segment"] == "Subscriptions" and not order.first:
            when = day + pd.Timedelta(hours=6, minutes=int(rng.integers(0, 30)))  # auto-billing
        else:
            when = day + pd.Timedelta(
                hours=int(rng.choice(24, p=hour_p)), minutes=int(rng.integers(0, 60))
            )
        # The acquisition channel is sticky: most orders come in the same way.
        channel = (
            c["channel"] if rng.random() < 0.85 else str(rng.choice(channel_names, p=channel_p))
        )
        code = promo_code(rng, day, order.first, channel)
        for product in pick_basket(rng, c["favourite"], c["segment"], c["spend"]):
            consumable = CATEGORY[product] in ("Coffee", "Tea")
            quantity = 1 + rng.poisson((0.45 if consumable else 0.05) * c["spend"])
            price = PRICE[product] * (0.85 if code else 1.0)
            rows.append((when, order.customer, product, round(price, 2), quantity, channel, code))
    lines = pd.DataFrame(
        rows,
        columns=["when", "customer", "product", "unit_price", "quantity", "channel", "code"],
    )
    # Number the orders in time order (a stable sort keeps each basket's lines together).
    lines = lines.sort_values(["when", "customer"], kind="stable", ignore_index=True)
    new_order = (lines["when"] != lines["when"].shift()) | (
        lines["customer"] != lines["customer"].shift()
    )
    lines["order_id"] = (100000 + new_order.cumsum()).astype(str)
    return lines


def add_refunds(rng: np.random.Generator, lines: pd.DataFrame, share: float = 0.02) -> pd.DataFrame:
    """Refund one line of about ``share`` of the orders a few days later.

    Orders delivered during the courier problem are refunded twice as often (damaged
    parcels). A refund is its own order ``R<order id>`` with a negative quantity; refunds that
    would fall after the end of the data are left out.
    """
    order_ids = lines["order_id"].unique()
    order_time = lines.groupby("order_id", sort=False)["when"].first()
    troubled = order_time.between(*COURIER_PROBLEM).to_numpy()
    refunded = order_ids[rng.random(len(order_ids)) < np.where(troubled, 2 * share, share)]
    refunds = []
    for order_id in refunded:
        basket = lines[lines["order_id"] == order_id]
        line = basket.iloc[int(rng.integers(len(basket)))].copy()
        line["when"] = line["when"] + pd.Timedelta(
            days=int(rng.integers(3, 15)),
            hours=int(rng.integers(-3, 4)),
            minutes=int(rng.integers(0, 60)),
        )
        line["quantity"] = -line["quantity"]
        line["order_id"] = "R" + order_id
        if line["when"] < END + pd.Timedelta(days=1):
            refunds.append(line)
    all_lines = pd.concat([lines, pd.DataFrame(refunds)], ignore_index=True)
    return all_lines.sort_values(["when", "order_id"], kind="stable", ignore_index=True)


# ---------------------------------------------------------------------------------------------
# Survey comments
# ---------------------------------------------------------------------------------------------

PHRASES: dict[str, dict[str, list[str]]] = {
    "delivery": {
        "pos": [
            "Delivery was quick, the parcel arrived in two days.",
            "Fast shipping and the tracking link worked perfectly.",
            "The courier was friendly and right on time.",
            "Parcel arrived well packed and earlier than expected.",
            "Super fast delivery, ordered on Monday and had it on Tuesday.",
            "Tracking updates were clear and the delivery came as promised.",
            "Never had a problem with delivery.",
        ],
        "neg": [
            "My parcel arrived late, more than a week after ordering.",
            "The courier left the parcel at the wrong address.",
            "Tracking never updated and the delivery took forever.",
            "Parcel arrived damaged, the coffee bag was torn open.",
            "Delivery was delayed twice and nobody told me why.",
            "The new courier is terrible, my parcel was lost for days.",
            "Box was crushed on arrival and the dripper was broken.",
            "Waited ten days for a late delivery.",
        ],
    },
    "price": {
        "pos": [
            "Good value for money.",
            "Fair prices for this quality.",
            "The discount codes are a nice touch.",
            "Free shipping above 40 euros is great.",
            "Reasonably priced compared to other specialty shops.",
            "The subscription saves me money every month.",
        ],
        "neg": [
            "Too expensive compared to the supermarket.",
            "Shipping costs are far too high for a small order.",
            "Prices went up again, not good value for money anymore.",
            "The discount code did not work at checkout.",
            "Expensive for 250g of beans.",
            "Shipping cost more than the tea itself.",
            "Way overpriced, I found the same beans cheaper elsewhere.",
        ],
    },
    "quality": {
        "pos": [
            "The beans are always fresh and the taste is excellent.",
            "Best espresso blend I have had, rich and smooth taste.",
            "Lovely tea, very aromatic and fresh.",
            "Great quality coffee, you can tell it is freshly roasted.",
            "The packaging keeps the beans fresh for weeks.",
            "Delicious matcha, great flavour.",
            "Excellent coffee, the Ethiopia beans taste amazing.",
        ],
        "neg": [
            "The coffee tasted stale and flat.",
            "Beans were roasted months ago, not fresh at all.",
            "The packaging is not resealable so the beans go stale.",
            "The tea was bland, hardly any taste.",
            "Coffee was too bitter and the beans looked burnt.",
            "Quality has gone down, the last bag tasted stale.",
            "The grinder broke after two weeks, poor quality.",
        ],
    },
    "support": {
        "pos": [
            "Customer service was very helpful.",
            "Quick reply to my email, problem solved the same day.",
            "The refund was processed quickly, friendly support.",
            "Support team answered all my questions, very kind.",
            "Helpful customer service when I changed my subscription.",
            "They replied within an hour and sent a replacement.",
        ],
        "neg": [
            "Nobody replied to my email for a week.",
            "Customer service was unhelpful and rude.",
            "Still waiting for my refund after three weeks.",
            "Hard to reach support, there is no phone number.",
            "Support kept sending template answers to my email.",
            "Cancelling the subscription was a nightmare, no reply from customer service.",
        ],
    },
}
GENERAL = {
    "pos": [
        "Love this shop!",
        "Keep up the good work.",
        "Will order again.",
        "Highly recommended.",
    ],
    "neg": ["Very disappointed.", "Would not recommend.", "Not ordering again.", "Not impressed."],
}
# How likely a comment touches each theme, by NPS group.
THEME_WEIGHTS = {
    "promoter": {"quality": 0.45, "delivery": 0.25, "support": 0.15, "price": 0.15},
    "passive": {"quality": 0.3, "delivery": 0.25, "support": 0.15, "price": 0.3},
    "detractor": {"quality": 0.25, "delivery": 0.3, "support": 0.2, "price": 0.25},
}
EMPTY_COMMENT = {"promoter": 0.35, "passive": 0.45, "detractor": 0.15}


def lower_first(sentence: str) -> str:
    """Lower-case the first letter of a sentence (but keep "I")."""
    if sentence.startswith(("I ", "I'")):
        return sentence
    return sentence[0].lower() + sentence[1:]


def write_comment(rng: np.random.Generator, group: str, courier_problem: bool) -> str:
    """Compose a free-text comment for an NPS group; often empty.

    Promoters praise, detractors complain, passives mix both ("..., but ..."). During the
    courier problem detractors mostly complain about delivery.
    """
    if rng.random() < EMPTY_COMMENT[group]:
        return ""
    weights = dict(THEME_WEIGHTS[group])
    if courier_problem and group != "promoter":
        weights["delivery"] += 1.0
    themes = list(weights)
    p = np.array(list(weights.values()))
    first, second = rng.choice(themes, size=2, replace=False, p=p / p.sum())

    def phrase(theme: str, tone: str) -> str:
        return str(rng.choice(PHRASES[theme][tone]))

    if group == "passive":
        if rng.random() < 0.6:
            text = f"{phrase(first, 'pos')[:-1]}, but {lower_first(phrase(second, 'neg'))}"
        else:
            text = phrase(first, str(rng.choice(["pos", "neg"])))
    else:
        tone = "pos" if group == "promoter" else "neg"
        parts = [phrase(first, tone)]
        if rng.random() < 0.35:
            parts.append(phrase(second, tone))
        if rng.random() < 0.25:
            parts.append(str(rng.choice(GENERAL[tone])))
        text = " ".join(parts)
    if rng.random() < 0.1:  # some people type in a hurry
        text = text.lower().rstrip(".!")
    return text


def make_responses(
    rng: np.random.Generator,
    customers: pd.DataFrame,
    answers: pd.DataFrame,
    days: pd.DatetimeIndex,
) -> pd.DataFrame:
    """Format the survey answers as a survey tool export.

    Parameters
    ----------
    rng : np.random.Generator
        Random generator.
    customers : pd.DataFrame
        Output of :func:`make_customers`.
    answers : pd.DataFrame
        ``answers`` from :func:`simulate_shop`.
    days : pd.DatetimeIndex
        Simulated calendar days.

    Returns
    -------
    pd.DataFrame
        The survey responses, sorted by date; about 4% skipped the optional effort question.
    """
    answers = answers.sort_values(["day", "customer"], kind="stable", ignore_index=True)
    c = customers.iloc[answers["customer"]].reset_index(drop=True)
    minutes = rng.integers(7 * 60, 23 * 60, size=len(answers))
    when = days[answers["day"]] + pd.to_timedelta(minutes, unit="min")
    comments = [
        write_comment(rng, nps_group(score), COURIER_PROBLEM[0] <= day <= COURIER_PROBLEM[1])
        for score, day in zip(answers["nps"], when, strict=True)
    ]
    effort = answers["ces"].astype("Int64").mask(rng.random(len(answers)) < 0.04)
    return pd.DataFrame(
        {
            "response_id": [f"RESP-{k:05d}" for k in range(1, len(answers) + 1)],
            "response_date": when.strftime("%Y-%m-%d %H:%M"),
            "customer_id": c["customer_id"],
            NPS_QUESTION: answers["nps"],
            "comment": comments,
            "satisfaction (1-5)": answers["csat"],
            "effort (1-7)": effort,
            "channel": c["channel"],
            "country": c["country"],
            "plan": c["plan"],
        }
    )


# ---------------------------------------------------------------------------------------------
# The online shop, end to end
# ---------------------------------------------------------------------------------------------


def make_online_shop(
    n_customers: int = 5000,
    seed: int = SEED,
    start: pd.Timestamp = START,
    end: pd.Timestamp = END,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulate the online shop and return its transactions and survey responses.

    Parameters
    ----------
    n_customers : int
        Number of customers to acquire over the period.
    seed : int
        Seed of ``numpy.random.default_rng``; the same seed gives the same data.
    start, end : pd.Timestamp
        First and last day of the data.

    Returns
    -------
    transactions : pd.DataFrame
        One row per order line (refunds have negative ``quantity`` and ``line_total``).
    responses : pd.DataFrame
        One row per survey response.
    """
    rng = np.random.default_rng(seed)
    days = pd.date_range(start, end, freq="D")
    customers = make_customers(rng, n_customers, days)
    orders, answers = simulate_shop(rng, customers, days)
    lines = add_refunds(rng, order_lines(rng, customers, orders, days))
    c = customers.iloc[lines["customer"]].reset_index(drop=True)
    transactions = pd.DataFrame(
        {
            "order_id": lines["order_id"],
            "order_date": lines["when"].dt.strftime("%Y-%m-%d %H:%M"),
            "customer_id": c["customer_id"],
            "customer_email": c["email"],
            "product": lines["product"],
            "category": lines["product"].map(CATEGORY),
            "unit_price": lines["unit_price"],
            "quantity": lines["quantity"].astype(int),
            "line_total": (lines["quantity"] * lines["unit_price"]).round(2),
            "channel": lines["channel"],
            "country": c["country"],
            "discount_code": lines["code"],
        }
    )
    responses = make_responses(rng, customers, answers, days)
    return transactions, responses


# ---------------------------------------------------------------------------------------------
# The café workbook
# ---------------------------------------------------------------------------------------------

CAFE_MENU: list[tuple[str, str, float]] = [
    ("Espresso", "Coffee", 2.20),
    ("Cappuccino", "Coffee", 3.40),
    ("Flat White", "Coffee", 3.60),
    ("Latte Macchiato", "Coffee", 3.80),
    ("Filter Coffee", "Coffee", 2.60),
    ("Chai Latte", "Tea", 3.90),
    ("Peppermint Tea", "Tea", 2.80),
    ("Croissant", "Bakery", 2.50),
    ("Cinnamon Roll", "Bakery", 3.20),
    ("Banana Bread", "Bakery", 3.50),
    ("Avocado Toast", "Food", 8.90),
    ("Quiche of the Day", "Food", 7.50),
    ("Coffee Beans 250g", "Retail", 9.90),
    ("Ceramic Mug", "Retail", 12.00),
]
CAFE_MENU_WEIGHTS = np.array([8, 14, 10, 7, 5, 5, 3, 9, 6, 5, 4, 3, 2, 1], dtype=float)
CAFE_FIRST = (
    "Anna Ben Clara Dieter Elif Frank Greta Hans Ilse Jana Karl Lea Mehmet Nora Olga Peter "
    "Rita Stefan Tina Uwe Vera Werner Yusuf Zoe Marta Jakob Sabine Lukas Ida Tobias"
).split()


def make_cafe_sales(seed: int = SEED, n_rows: int = 300) -> pd.DataFrame:
    """Simulate the hand-kept sales list of a small café for 2024.

    About 60 regulars (some every week, some now and then) and some occasional loyalty-card
    holders; most receipts have one line, some two or three; exactly one refund.

    Parameters
    ----------
    seed : int
        Seed of ``numpy.random.default_rng``.
    n_rows : int
        Number of rows, the refund included.

    Returns
    -------
    pd.DataFrame
        Columns ``Date``, ``Receipt no.``, ``Customer``, ``Item``, ``Category``, ``Qty``,
        ``Total (€)``, ``Note``.
    """
    rng = np.random.default_rng(seed + 1)
    surnames = list("ABCDEFGHKLMNPRSTW")
    regulars = [f"{first} {rng.choice(surnames)}." for first in CAFE_FIRST]
    regulars += [f"Card {n}" for n in rng.choice(np.arange(1001, 1400), size=30, replace=False)]
    occasional = [f"Card {n}" for n in rng.choice(np.arange(1400, 1999), size=25, replace=False)]
    customers = regulars + occasional
    # How often each one comes: regulars differ a lot (gamma), occasional guests come once or twice.
    visits = np.concatenate([rng.gamma(5.0, 1.0, size=len(regulars)), np.full(25, 0.4)])

    open_days = pd.date_range("2024-01-02", "2024-12-23", freq="D")
    open_days = open_days[open_days.day_of_week != 0]  # closed on Mondays
    menu_p = CAFE_MENU_WEIGHTS / CAFE_MENU_WEIGHTS.sum()

    rows = []
    visit = 0
    while len(rows) < n_rows - 1:
        visit += 1
        day = open_days[int(rng.integers(len(open_days)))]
        customer = customers[int(rng.choice(len(customers), p=visits / visits.sum()))]
        n_items = min(1 + rng.poisson(0.2), n_rows - 1 - len(rows))
        for k in rng.choice(len(CAFE_MENU), size=n_items, replace=False, p=menu_p):
            item, category, price = CAFE_MENU[k]
            qty = 1 + int(rng.random() < 0.15)
            rows.append([day, visit, customer, item, category, qty, round(qty * price, 2), ""])

    # Exactly one refund: a few days later someone brings back one thing they bought.
    retail = [row for row in rows if row[4] == "Retail"] or rows
    bought = retail[int(rng.integers(len(retail)))]
    later = min(np.searchsorted(open_days, bought[0] + pd.Timedelta(days=3)), len(open_days) - 1)
    unit_price = round(bought[6] / bought[5], 2)
    note = "refund - returned, was damaged"
    rows.append(
        [open_days[later], visit + 1, bought[2], bought[3], bought[4], -1, -unit_price, note]
    )

    table = pd.DataFrame(
        rows,
        columns=["Date", "Receipt no.", "Customer", "Item", "Category", "Qty", "Total (€)", "Note"],
    )
    # Visits were drawn in random order: number the receipts in date order, as written down.
    table = table.sort_values(["Date", "Receipt no."], kind="stable", ignore_index=True)
    table["Receipt no."] = table.groupby(["Date", "Receipt no."], sort=False).ngroup() + 2401
    return table


def write_cafe_workbook(table: pd.DataFrame, path: Path) -> None:
    """Write the café sales like a hand-kept Excel sheet: a title, a blank row, then the table.

    Dates are real Excel date cells. The file is byte-for-byte reproducible.
    """
    workbook = xlsxwriter.Workbook(str(path))
    workbook.set_properties(
        {
            "title": "Corner Café sales 2024",
            "author": "Corner Café",
            "created": datetime(2025, 1, 2, 9, 0),
        }
    )
    sheet = workbook.add_worksheet("Sales 2024")
    title = workbook.add_format({"bold": True, "font_size": 14})
    header = workbook.add_format({"bold": True, "bottom": 1, "bg_color": "#F2E6D9"})
    date_fmt = workbook.add_format({"num_format": "dd.mm.yyyy"})
    money = workbook.add_format({"num_format": "#,##0.00"})
    sheet.write(0, 0, "Corner Café – sales 2024", title)
    for col, name in enumerate(table.columns):
        sheet.write(2, col, name, header)
    for r, row in enumerate(table.itertuples(index=False), start=3):
        sheet.write_datetime(r, 0, row[0].to_pydatetime(), date_fmt)
        sheet.write_number(r, 1, int(row[1]))
        sheet.write_string(r, 2, row[2])
        sheet.write_string(r, 3, row[3])
        sheet.write_string(r, 4, row[4])
        sheet.write_number(r, 5, int(row[5]))
        sheet.write_number(r, 6, float(row[6]), money)
        if row[7]:
            sheet.write_string(r, 7, row[7])
    for col, width in enumerate([12, 11, 14, 20, 10, 6, 10, 26]):
        sheet.set_column(col, col, width)
    sheet.freeze_panes(3, 0)
    workbook.close()


# ---------------------------------------------------------------------------------------------


def main() -> None:
    """Rewrite all generated example files in this folder."""
    transactions, responses = make_online_shop()
    transactions.to_csv(TRANSACTIONS_FILE, index=False, float_format="%.2f", lineterminator="\n")
    responses.to_csv(RESPONSES_FILE, index=False, lineterminator="\n")
    write_cafe_workbook(make_cafe_sales(), CAFE_FILE)
    n_orders = transactions["order_id"].nunique()
    print(
        f"{TRANSACTIONS_FILE.name}: {len(transactions):,} lines, {n_orders:,} orders, "
        f"{transactions['customer_id'].nunique():,} customers\n"
        f"{RESPONSES_FILE.name}: {len(responses):,} responses\n"
        f"{CAFE_FILE.name}: written"
    )


if __name__ == "__main__":
    main()
