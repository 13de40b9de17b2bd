"""Small hand-made shops the purchase-pattern tests compute by hand."""

from __future__ import annotations

import pandas as pd

# Tiny shop. 2024-01-01 is a Monday. Order values: O1 3, O2 7, O3 4, O4 2, O5 6, O6 4, O7 -3.
ROWS = [
    # customer, order, date, amount, quantity, product, category, channel, promo_code
    ("A", "O1", "2024-01-01 10:00", 1.0, 1, "milk", "Dairy", "web", ""),
    ("A", "O1", "2024-01-01 10:59", 2.0, 1, "bread", "Bakery", "web", ""),
    ("B", "O3", "2024-01-02 18:00", 1.0, 1, "milk", "Dairy", "shop", ""),
    ("B", "O3", "2024-01-02 18:00", 3.0, 1, "butter", "Dairy", "shop", ""),
    ("B", "O4", "2024-01-02 19:00", 2.0, 1, "bread", "Bakery", "web", ""),
    ("C", "O5", "2024-01-03 09:00", 2.0, 1, "bread", "Bakery", "web", ""),
    ("C", "O5", "2024-01-03 09:00", 1.0, 1, "milk", "Dairy", "web", ""),
    ("C", "O5", "2024-01-03 09:00", 3.0, 1, "butter", "Dairy", "web", ""),
    ("D", "O6", "2024-01-05 12:00", 4.0, 1, "jam", "Pantry", "shop", ""),
    ("A", "O2", "2024-01-08 10:30", 4.0, 2, "bread", "Bakery", "web", "SAVE10"),
    ("A", "O2", "2024-01-08 10:30", 3.0, 1, "butter", "Dairy", "web", ""),
    ("C", "O7", "2024-01-20 15:00", -3.0, -1, "butter", "Dairy", "web", ""),
]


COLUMNS = [
    "customer_id",
    "order_id",
    "order_date",
    "amount",
    "quantity",
    "product",
    "category",
    "channel",
    "promo_code",
]


def make_tx(rows, columns=COLUMNS) -> pd.DataFrame:
    tx = pd.DataFrame(rows, columns=columns[: len(rows[0])])
    tx["order_date"] = pd.to_datetime(tx["order_date"])
    for c in tx.columns:
        if c in ("amount", "quantity", "unit_price"):
            tx[c] = tx[c].astype("float64")
        elif c != "order_date":
            tx[c] = tx[c].astype("str")
    return tx


TX = make_tx(ROWS)
