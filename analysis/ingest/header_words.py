"""Header words: what each role's column is called, and how well a header name fits a role."""

from __future__ import annotations

import re
from typing import Any

_CURRENCY_WORDS = {
    "usd", "eur", "gbp", "chf", "jpy", "cad", "aud", "nzd", "sek", "nok", "dkk", "pln", "czk",
    "huf", "inr", "cny", "rmb", "brl", "mxn", "zar", "sgd", "hkd", "euro", "euros", "dollar",
    "dollars", "pound", "pounds", "pence", "cents",
}  # fmt: skip

_DATE_W = r"date|dates|datetime|timestamp|time|day|dt|when|created|posted|submitted|dated"
_ID_W = r"id|ids|no|nr|num|number|code|ref|reference|key|identifier"

# role -> list of (regex over the normalised header, score). The highest matching score counts;
# "+" rules add a bonus, "-" rules subtract a penalty (the largest matching one).
_RULES: dict[str, list[tuple[str, float]]] = {
    "customer_id": [
        (
            r"customer|customers|client|clients|account|member|buyer|shopper|purchaser|patron"
            r"|guest|user|contact|cust|consumer|subscriber|respondent|donor|patient|student",
            8,
        ),
        (r"e ?mail|email address|mail", 7),
        (r"who|person|name", 3),
        ("+", 0),
        (rf"{_ID_W}", 2),
        (r"name", 1),
        ("-", 0),
        (
            rf"{_DATE_W}|country|city|region|state|zip|postcode|postal|address|segment|type|group"
            r"|since|age|gender|phone|count|number of|total|amount|value|spend|sales|revenue"
            r"|status|score|rating|satisfaction|tenure|lifetime|ltv|churn",
            9,
        ),
    ],
    "order_id": [
        (
            r"order|orders|invoice|receipt|transaction|txn|bill|ticket|basket|booking|cart"
            r"|checkout",
            8,
        ),
        (rf"(?:document|doc|sale|purchase|voucher|reservation) (?:{_ID_W})", 8),
        ("+", 0),
        (rf"{_ID_W}", 2),
        ("-", 0),
        (
            rf"{_DATE_W}|total|amount|value|revenue|price|sum|paid|net|gross|qty|quantity|status"
            r"|type|line|item|items|channel|source|method|count|number of|lines|size|discount|tax"
            r"|customer|client|product|country|currency",
            9,
        ),
        (r"transaction|txn|payment", 1),  # an Order ID beside it wins
    ],
    "order_date": [
        (r"date|datetime|timestamp|dt|dated", 10),
        (r"created|posted|day|time|when|period", 6),
        ("+", 0),
        (r"order|purchase|invoice|transaction|sale|sales|posting|booking|receipt", 1),
        ("-", 0),
        (
            r"birth|birthday|dob|signup|sign up|registration|registered|first|ship|shipping"
            r"|shipped|dispatch|delivery|delivered|due|return|refund|expiry|expires|expiration"
            r"|modified|updated|response|survey",
            5,
        ),
        (r"day of week|weekday|of week|hour|time of day|month|year|week|quarter", 8),
    ],
    "amount": [
        (
            r"amount|amt|total|revenue|sales|turnover|paid|payment|spend|spent|value|net|gross"
            r"|sum|subtotal|dollar|charge|charged|income|gmv|takings|money|price paid|line total"
            r"|sale amount|order value|basket value|receipts",
            9,
        ),
        ("+", 0),
        (r"net|line total|line", 1),
        ("-", 0),
        (
            rf"{_DATE_W}|tax|vat|discount|shipping|delivery|fee|tip|margin|profit|cost|count"
            r"|number of|qty|quantity|units|unit|each|per|channel|source|store|shop|rating|score"
            r"|status|type|customer|client|id|no|code|percent|pct|rate",
            9,
        ),
        (r"refund|refunds|refunded|returned", 9),  # never the amount itself
        (r"subtotal|sub total", 1),  # the Total beside it wins
    ],
    "quantity": [
        (
            r"quantity|quantities|qty|units|unit count|pieces|pcs|count|number of|volume|items"
            r"|item count|amount of items|no of items|how many|n items",
            9,
        ),
        ("-", 0),
        (rf"{_DATE_W}|price|amount|value|total value|revenue|cost|id|code", 9),
    ],
    "unit_price": [
        (
            r"unit price|price per unit|price each|price per item|unit cost|per unit|each|rate"
            r"|list price|item price|selling price",
            10,
        ),
        (r"price|prices", 7),
        ("-", 0),
        (rf"{_DATE_W}|total|line|sum|subtotal|discount|tax", 9),
    ],
    "product": [
        (
            r"product name|item name|description|desc|product description|item description"
            r"|article name|goods|service|menu item|dish|product title|title",
            9,
        ),
        (r"product|products|item|items|article|articles|merchandise", 8),
        (
            r"sku|stock code|product code|item code|article number|ean|upc|barcode|product id"
            r"|item id|product no|product number|item no|item number|stock",
            6,
        ),
        ("-", 0),
        (
            rf"{_DATE_W}|category|categories|group|type|class|family|department|dept|qty"
            r"|quantity|count|price|amount|value|total|number of|units",
            9,
        ),
    ],
    "category": [
        (r"category|categories|cat", 10),
        (
            r"department|dept|product group|product type|product family|group|class|section|genre"
            r"|collection|family|range|line",
            8,
        ),
        (r"type|kind", 5),
        ("-", 0),
        (rf"{_DATE_W}|customer|client|payment|id|code|price|amount", 9),
    ],
    "channel": [
        (r"channel|channels|sales channel", 10),
        (
            r"source|store|shop|platform|medium|outlet|branch|location|marketplace|point of sale"
            r"|pos|website|site|till|register|via|device|app",
            8,
        ),
        ("-", 0),
        (rf"{_DATE_W}|id|code|country|region|number", 7),
    ],
    "country": [
        (r"country|countries|nation|nationality", 10),
        (r"region|market|territory|state|province|county|geo|geography|area|city|location", 7),
        ("-", 0),
        (rf"{_DATE_W}|code id|id", 3),
    ],
    "score": [
        (r"nps|net promoter|recommend|recommendation|likely|likelihood|promoter", 10),
        (r"score|nps score|rating|rate|0 10|0 to 10", 6),
        ("-", 0),
        (r"satisfaction|satisfied|csat|effort|easy|ease|ces|difficult|date|id", 9),
    ],
    "csat": [
        (r"csat|satisfaction|satisfied|how satisfied|happy|happiness", 10),
        (r"1 5|1 to 5|stars|star rating", 5),
        ("-", 0),
        (r"recommend|likely|nps|effort|easy|date", 9),
    ],
    "ces": [
        (r"ces|effort|customer effort|easy|ease|difficult|difficulty|hassle", 10),
        (r"1 7|1 to 7", 5),
        ("-", 0),
        (r"recommend|likely|nps|satisfaction|satisfied|date", 9),
    ],
    "comment": [
        (
            r"comment|comments|feedback|reason|reasons|why|verbatim|free text|freetext|remarks"
            r"|remark|notes|note|text|suggestion|suggestions|improve|tell us|anything else"
            r"|opinion|review|message|explain|explanation|open answer|response text|what could",
            9,
        ),
        ("-", 0),
        (r"date|id|code", 8),
    ],
    "response_date": [
        (r"date|datetime|timestamp|dt|dated|submitted|completed", 10),
        (r"created|posted|day|time|when|answered|received", 6),
        ("+", 0),
        (r"response|survey|submitted|completed|answered|feedback", 1),
        (r"submit|end|completion|recorded", 1),  # when the answer was given...
        ("-", 0),
        (
            r"birth|birthday|dob|signup|sign up|registration|first|last order|order|purchase"
            r"|ship|delivery|due",
            5,
        ),
        (r"start|started|begin", 2),  # ...not when the survey was opened
        (r"day of week|weekday|hour|month|year|week|quarter", 8),
    ],
}

_COMPILED: dict[str, tuple[list[tuple[re.Pattern, float]], list, list]] = {}
for _role, _rules in _RULES.items():
    _base, _bonus, _pen, _mode = [], [], [], "base"
    for _pat, _score in _rules:
        if _pat in ("+", "-"):
            _mode = "bonus" if _pat == "+" else "pen"
            continue
        _rx = re.compile(rf"(?<![a-z0-9])(?:{_pat})(?![a-z0-9])")
        {"base": _base, "bonus": _bonus, "pen": _pen}[_mode].append((_rx, _score))
    _COMPILED[_role] = (_base, _bonus, _pen)


def _normalise_header(name: Any) -> str:
    """Lower-case words of a header: camelCase/snake/punctuation split, currency/units dropped."""
    s = str(name)
    s = s.replace("#", " no ").replace("\u2116", " no ")
    s = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", s)
    s = re.sub(r"(?<=[A-Z])(?=[A-Z][a-z])", " ", s)
    s = s.lower()
    s = re.sub(r"[$€£¥₹₽₩₪₺¢%]", " ", s)
    s = re.sub(r"[^\w]+|_", " ", s)
    words = [w for w in s.split() if w not in _CURRENCY_WORDS]
    return " ".join(words)


def _header_score(role: str, norm: str) -> float:
    base_rules, bonus_rules, pen_rules = _COMPILED[role]
    base = max((sc for rx, sc in base_rules if rx.search(norm)), default=0.0)
    if base <= 0:
        return 0.0
    bonus = sum(sc for rx, sc in bonus_rules if rx.search(norm))
    pen = max((sc for rx, sc in pen_rules if rx.search(norm)), default=0.0)
    return base + bonus - pen
