"""Answers and tables shared by the feedback tests (hand-countable samples, planted themes)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tests.paths import SAMPLE_DATA

EXAMPLE = SAMPLE_DATA / "online_shop_responses.csv"
EXAMPLE_TX = SAMPLE_DATA / "online_shop_transactions.csv"

# 10 promoters, 5 passives, 5 detractors (n = 20, NPS = +25)
SAMPLE_A = [10] * 6 + [9] * 4 + [8] * 3 + [7] * 2 + [6, 5, 3, 0, 2]
# 5 promoters, 5 passives, 10 detractors (n = 20, NPS = -25)
SAMPLE_B = [9] * 5 + [7] * 5 + [1] * 10


def frame(groups: dict[str, list[int]], column: str = "plan") -> pd.DataFrame:
    rows = [(g, s) for g, scores in groups.items() for s in scores]
    return pd.DataFrame(rows, columns=[column, "score"])


PLANTED = {
    "delivery": {
        "pos": [
            "fast delivery, the parcel arrived the next day",
            "the courier delivered the parcel on time",
            "delivery was quick and tracking worked",
            "parcel delivery right on time",
        ],
        "neg": [
            "delivery was late and the parcel arrived damaged",
            "the courier lost my parcel",
            "tracking showed the parcel stuck, delivery took two weeks",
            "late delivery again, parcel left at the wrong door",
        ],
    },
    "price": {
        "pos": [
            "fair price for what you get",
            "cheap prices and a discount for regulars",
            "the price is reasonable",
            "good prices, cheaper than the supermarket",
        ],
        "neg": [
            "too expensive, the price went up again",
            "prices are far too high",
            "expensive compared to others, discount code failed",
            "the price doubled, way too expensive",
        ],
    },
    "quality": {
        "pos": [
            "the beans taste fresh, top quality coffee",
            "excellent quality beans",
            "the coffee quality is superb, rich taste",
            "fresh roasted beans, lovely taste",
        ],
        "neg": [
            "stale beans, poor quality coffee",
            "the coffee tasted burnt, quality dropped",
            "quality of the beans has gone down",
            "bitter taste, the beans were stale",
        ],
    },
    "support": {
        "pos": [
            "support answered my email within an hour",
            "customer support was helpful",
            "the support team solved my problem",
            "friendly support agent on the phone",
        ],
        "neg": [
            "support never answered my email",
            "customer support was rude and slow",
            "still waiting for support to reply",
            "no reply from the support team email",
        ],
    },
}
KEYWORDS = {
    "delivery": {
        "delivery",
        "parcel",
        "courier",
        "tracking",
        "arrived",
        "late",
        "delivered",
        "shipping",
        "damaged",
        "lost",
        "delayed",
        "quick",
        "fast",
        "stuck",
        "door",
        "wrong",
        "week",
        "weeks",
        "days",
    },
    "price": {
        "price",
        "prices",
        "priced",
        "expensive",
        "cheap",
        "cheaper",
        "discount",
        "money",
        "value",
        "cost",
        "costs",
        "overpriced",
        "code",
        "codes",
        "euros",
        "free",
        "fair",
        "reasonable",
        "doubled",
        "high",
        "regulars",
        "failed",
        "supermarket",
    },
    "quality": {
        "quality",
        "beans",
        "coffee",
        "taste",
        "tasted",
        "fresh",
        "stale",
        "tea",
        "flavour",
        "matcha",
        "espresso",
        "blend",
        "roasted",
        "bitter",
        "bland",
        "smooth",
        "rich",
        "freshly",
        "burnt",
        "superb",
        "aromatic",
        "delicious",
    },
    "support": {
        "support",
        "service",
        "customer",
        "reply",
        "replied",
        "email",
        "helpful",
        "rude",
        "unhelpful",
        "refund",
        "answered",
        "team",
        "agent",
        "phone",
        "slow",
    },
}


def planted_comments(n: int = 600, seed: int = 7) -> pd.DataFrame:
    """Comments that each talk about one or two planted themes; scores follow the tone."""
    rng = np.random.default_rng(seed)
    themes = list(PLANTED)
    rows = []
    for _ in range(n):
        tone = rng.choice(["pos", "neg"])
        first, second = rng.choice(themes, size=2, replace=False)
        parts = [str(rng.choice(PLANTED[first][tone]))]
        if rng.random() < 0.3:
            parts.append(str(rng.choice(PLANTED[second][tone])))
        comment = ". ".join(p.capitalize() for p in parts) + "."
        if rng.random() < 0.2:
            comment = ""
        score = int(rng.integers(9, 11) if tone == "pos" else rng.integers(0, 7))
        rows.append((score, comment, first))
    return pd.DataFrame(rows, columns=["score", "comment", "planted"])


def theme_of(top_terms: str) -> tuple[str, int]:
    """The planted theme whose keywords overlap most with a theme's top terms."""
    terms = set(top_terms.split(", "))
    overlap = {name: len(terms & words) for name, words in KEYWORDS.items()}
    best = max(overlap, key=overlap.get)
    return best, overlap[best]


def small_join() -> tuple[pd.DataFrame, pd.DataFrame]:
    tx = pd.DataFrame(
        [
            ("c1", "o1", "2024-01-10 09:00", 50.0),  # response day: not counted
            ("c1", "o2", "2024-02-01", 30.0),  # in window
            ("c1", "o3", "2024-05-01", 100.0),  # after day 90
            ("c2", "o4", "2024-01-05", 20.0),  # before
            ("c2", "o5", "2024-04-10", 25.0),  # day 91: outside
            ("c3", "o6", "2024-03-01", 40.0),
            ("c3", "o7", "2024-03-05", -10.0),  # refund order: lowers spend
            ("c3", "o8", "2024-04-09", 5.0),  # day 90 exactly: inside
            ("c4", "o9", "2024-01-20", -15.0),  # refund only: no repurchase
            ("c5", "o10", "2024-11-01", 10.0),
            ("c1", "o11", "2024-12-30", 1.0),  # last day -> as_of 2024-12-31
        ],
        columns=["customer_id", "order_id", "order_date", "amount"],
    )
    tx["order_date"] = pd.to_datetime(tx["order_date"], format="ISO8601")
    resp = pd.DataFrame(
        {
            "response_date": pd.to_datetime(
                [
                    "2024-01-10 18:00",
                    "2024-01-10",
                    "2024-01-10",
                    "2024-01-10",
                    "2024-12-01",
                    "2024-01-10",
                    "2024-01-10",
                ],
                format="ISO8601",
            ),
            "score": [10, 9, 3, 0, 8, 10, 10],
            "customer_id": pd.array(["c1", "c2", "c3", "c4", "c5", "ZZZ", None], dtype="str"),
        }
    )
    return resp, tx
