"""The hand-computed transactions the profile tests share."""

import pandas as pd

ROWS = [
    # customer, order, date, amount, quantity, product, channel, email, promo
    ("A", "O1", "2024-01-01 09:00", 10.0, 1, "bread", "web", "a@x", ""),
    ("A", "O1", "2024-01-01 09:00", 5.0, 1, "milk", "web", "a@x", ""),
    ("A", "O2", "2024-01-11 12:00", 20.0, 2, "bread", "web", "a@x", "SPRING"),
    ("A", "O3", "2024-01-15 08:00", -5.0, -1, "milk", "web", "a@x", ""),  # refund order
    ("A", "O4", "2024-01-31 18:00", 8.0, 1, "jam", "shop", "a@x", ""),
    ("B", "O5", "2024-01-20 10:00", 30.0, 3, "bread", "web", "b@x", ""),
]
TX = pd.DataFrame(
    ROWS,
    columns=[
        "customer_id",
        "order_id",
        "order_date",
        "amount",
        "quantity",
        "product",
        "channel",
        "email",
        "promo",
    ],
).astype({"quantity": "float64"})
TX["order_date"] = pd.to_datetime(TX["order_date"])
for c in ("customer_id", "order_id", "product", "channel", "email", "promo"):
    TX[c] = TX[c].astype("str")
