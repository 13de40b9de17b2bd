"""Known exports: what the files that shops, tills, payment and survey tools write mean.

A :class:`Profile` is one small declarative entry per export: the header names that identify it
(its signature), which column plays which role, which columns are written once per order,
which status values are not sales (and why), which columns hold refunds, which customer values
are placeholders, and how many rows under the header are more header. :func:`match_profile`
recognises a file by its columns (in any order, with extra columns); :func:`apply_profile`
applies the profile's row-level meaning to the raw text table; :func:`prepare_known_export`
chains that with :func:`analysis.ingest.prepare_transactions` /
:func:`analysis.ingest.prepare_responses` and returns the usual
:class:`analysis.ingest.Prepared`, with every source row used, kept as a sale without a
customer, or set aside with its reason.

:func:`analysis.ingest.detect_columns` returns a known export's own columns
(:func:`detect_known`) and :func:`analysis.ingest.prepare_transactions` /
:func:`analysis.ingest.prepare_responses` call :func:`prepare_known_export` first, so
``prepare_transactions(read_table(path))`` reads a known export with its meaning. For files no
profile knows, detection translates header words from other languages
(:func:`translate_header`), and the prepare functions set aside total rows
(:func:`total_rows`) and keep sales by placeholder customers (:func:`placeholder_customers`)
apart from the customers' sales.

To add an export: append a :class:`Profile` to :data:`PROFILES`, add a faithful fixture to
``tests/data/exports/`` with its hand-computed figures in ``tests/data/exports/README.md``, and
a line to the fixture table in ``tests/analysis/ingest/test_profiles.py``.



"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from analysis.core.text import plural

__all__ = [
    "HEADER_WORDS",
    "PLACEHOLDER_CUSTOMERS",
    "PROFILES",
    "Applied",
    "Profile",
    "apply_profile",
    "complete_mapping",
    "detect_known",
    "known_header_row",
    "match_profile",
    "name_group_column",
    "name_subheader_columns",
    "placeholder_customers",
    "prepare_known_export",
    "source_mapping",
    "total_rows",
    "translate_header",
]

_FALSE = frozenset({"false", "no", "0", "n", "f"})


def _norm(name: Any) -> str:
    """Return a header name as names are compared.

    Trimmed, case-folded, inner whitespace collapsed, and without the "*" that marks required
    columns (Xero writes "*InvoiceNumber").
    """
    return " ".join(str(name).replace("\ufeff", "").split()).lstrip("*").strip().casefold()


def _frozen(d: Mapping | None) -> Mapping:
    return MappingProxyType(dict(d or {}))


@dataclass(frozen=True)
class Profile:
    """One known export.

    Attributes
    ----------
    key : str
        Short identifier ("shopify_orders").
    name : str
        How the file is named to the visitor ("Shopify orders export").
    kind : {"transactions", "responses"}
        Which prepare function reads it.
    signature : tuple[str, ...]
        Header names that must all be present (compared trimmed and case-insensitively).
    roles : Mapping[str, tuple[str, ...]]
        Role -> candidate columns, the first present one with any value wins. A candidate
        holding ``{}`` is a template: the column ``c`` for which ``candidate.format(c)`` is also
        a column (Qualtrics writes ``Q1_NPS_GROUP`` next to the 0-10 answer ``Q1``). Roles not
        listed are left to :func:`analysis.ingest.detect_columns`.
    source : str
        Where the column names come from (documentation page or public code).
    time_column : str, optional
        A separate time-of-day column joined to the date role's column ("Date" + "Time").
    order_level : tuple[str, ...]
        Columns the export writes only on an order's first line; they are carried down to the
        order's other lines (grouped by the ``order_id`` role's column).
    order_total : bool
        The amount column holds the order's total (written on every line or on the first line
        only); it is counted once per order, spread over the order's lines in proportion to
        ``line_value`` (equal shares when that is missing), rounded to cents with the rest on
        the order's first line.
    line_value : tuple[str, str], optional
        (quantity column, unit price column) of a line, the weights for ``order_total``.
    status : tuple[str, ...]
        Columns whose values are looked up in ``leave_out``.
    leave_out : Mapping[str, str]
        Status value (case-insensitive) -> what such a row is ("voided order"); those rows
        are set aside with that reason.
    set_columns : Mapping[str, str]
        Column -> reason: rows where that column holds any value are set aside ("Cancelled at").
    false_columns : Mapping[str, str]
        Column -> reason: rows where that column says false/no/0 are set aside ("Captured").
    keep_types : tuple[str, frozenset[str]], optional
        (column, values): only rows whose column holds one of the values (case-insensitive)
        are sales; the others are set aside as "not a sale (<column>: <value>)".
    refund_types : frozenset[str]
        Values of the ``keep_types`` column that are refunds: their negative amounts are kept.
        A negative amount on any other kept type is money the shop paid out, set aside.
    refund_customer : str, optional
        Column holding the customer on refund rows (PayPal writes the shop in "From").
    refund_order : str, optional
        Column holding the refunded payment's id on refund rows ("Reference Txn ID"), used as
        the refund's order so that it joins the order it refunds.
    type_reasons : Mapping[str, str]
        Value of the ``keep_types`` column (case-insensitive) -> what such a row is, for rows
        that belong to a sale but are not the sale ("a product line of a sale ..."); other
        values are "not a sale (<column>: <value>)".
    refunds : tuple[str, ...]
        Columns whose (positive) amounts are subtracted from the amount.
    placeholders : tuple[str, ...]
        Customer values that mean "no customer" (case-insensitive): such sales are kept as
        sales without a customer (``Prepared.anonymous``); a survey response keeps its score
        and only loses the customer.
    header_rows : int
        Rows under the header that are more header (question text, import ids). Only rows
        whose date cell is not a date are taken as such, so a file already cleaned by hand
        loses nothing.
    dayfirst : bool, optional
        How the export writes dates like 03/04/24 (False: month first).
    date_suffix : str, optional
        Regular expression removed from the end of date cells before parsing (" GMT+1").
    first_column : str, optional
        The export always starts with this column (for short signatures: "Timestamp").
    no_customer : str, optional
        The export names no customer (a till's sales report); the words say why ("'Account'
        is the shop's own login"). Its sales are kept as sales without a customer: they count
        in revenue and orders, not in the customer analyses.
    groups : str, optional
        A grouped report: this column holds the group headings (the customer's name on a row
        of its own above the customer's lines, "Total for <customer>" under them, a grand
        "TOTAL" at the end). Each line gets its customer from its heading; headings, totals and
        notes under the grand total are set aside with that reason.
    """

    key: str
    name: str
    kind: str
    signature: tuple[str, ...]
    roles: Mapping[str, tuple[str, ...]]
    source: str
    time_column: str | None = None
    order_level: tuple[str, ...] = ()
    order_total: bool = False
    line_value: tuple[str, str] | None = None
    status: tuple[str, ...] = ()
    leave_out: Mapping[str, str] = field(default_factory=dict)
    set_columns: Mapping[str, str] = field(default_factory=dict)
    false_columns: Mapping[str, str] = field(default_factory=dict)
    keep_types: tuple[str, frozenset[str]] | None = None
    refund_types: frozenset[str] = frozenset()
    type_reasons: Mapping[str, str] = field(default_factory=dict)
    refund_customer: str | None = None
    refund_order: str | None = None
    refunds: tuple[str, ...] = ()
    placeholders: tuple[str, ...] = ()
    header_rows: int = 0
    dayfirst: bool | None = None
    date_suffix: str | None = None
    first_column: str | None = None
    no_customer: str | None = None
    groups: str | None = None

    def __post_init__(self) -> None:
        """Freeze the mappings and compare status and type values case-insensitively."""
        object.__setattr__(self, "roles", _frozen(self.roles))
        object.__setattr__(
            self, "leave_out", _frozen({_norm(k): v for k, v in self.leave_out.items()})
        )
        object.__setattr__(self, "set_columns", _frozen(self.set_columns))
        object.__setattr__(self, "false_columns", _frozen(self.false_columns))
        object.__setattr__(self, "refund_types", frozenset(_norm(v) for v in self.refund_types))
        object.__setattr__(
            self, "type_reasons", _frozen({_norm(k): v for k, v in self.type_reasons.items()})
        )
        if self.keep_types is not None:
            col, values = self.keep_types
            object.__setattr__(self, "keep_types", (col, frozenset(_norm(v) for v in values)))


_GUESTS = ("guest", "walk-in", "walk in", "walkin", "cash customer", "anonymous", "n/a", "-", "0")

_SHOPIFY_STATUS = {
    "voided": "voided order",
    "pending": "order with payment pending",
    "expired": "expired order",
}
_WOO_STATUS = {
    "cancelled": "cancelled order",
    "wc-cancelled": "cancelled order",
    "failed": "failed order",
    "wc-failed": "failed order",
    "pending": "order with payment pending",
    "wc-pending": "order with payment pending",
    "refunded": "refunded order",
    "wc-refunded": "refunded order",
    "checkout-draft": "draft order",
    "wc-checkout-draft": "draft order",
    "on-hold": "order on hold (payment not confirmed)",
    "on hold": "order on hold (payment not confirmed)",
    "pending payment": "order with payment pending",
    "wc-on-hold": "order on hold (payment not confirmed)",
    "trash": "deleted order",
}
_STRIPE_STATUS = {
    "failed": "failed payment",
    "canceled": "cancelled payment",
    "cancelled": "cancelled payment",
    "blocked": "blocked payment",
    "incomplete": "incomplete payment",
    "requires_payment_method": "incomplete payment",
    "uncaptured": "payment authorised but never captured",
    "pending": "pending payment",
    "test": "test payment",
}


def _stripe(key: str, name: str, created: str, source: str) -> Profile:
    """Return a Stripe payments profile: the two exports differ only in the date's name."""
    return Profile(
        key=key,
        name=name,
        kind="transactions",
        signature=("id", created, "Amount", "Amount Refunded", "Status"),
        roles={
            "customer_id": ("Customer Email", "Customer ID"),
            "order_id": ("id",),
            "order_date": (created,),
            "amount": ("Amount",),
        },
        source=source,
        status=("Status", "Mode"),
        leave_out=_STRIPE_STATUS,
        false_columns={"Captured": "payment authorised but never captured"},
        refunds=("Amount Refunded",),
    )


_PAYPAL_SALES = (
    "Express Checkout Payment",
    "Website Payment",
    "General Payment",
    "Mobile Payment",
    "Subscription Payment",
    "Recurring Payment",
    "PreApproved Payment Bill User Payment",
    "Payment Received",
    "Donation Payment",
    "eBay Auction Payment",
    "Invoice Payment",
    "Payment Refund",
    "Refund",
)
_PAYPAL_REFUNDS = ("Payment Refund", "Refund")

_LIGHTSPEED_LINES = {
    "Sale Line": "product line (the sale's own row counts)",
    "Payment": "payment line (the sale's own row counts)",
}

PROFILES: tuple[Profile, ...] = (
    Profile(
        key="shopify_orders",
        name="Shopify orders export",
        kind="transactions",
        signature=("Name", "Financial Status", "Lineitem quantity", "Lineitem price", "Total"),
        roles={
            "customer_id": ("Email",),
            "order_id": ("Name",),
            "order_date": ("Created at",),
            "amount": ("Total",),
            "quantity": ("Lineitem quantity",),
            "unit_price": ("Lineitem price",),
            "product": ("Lineitem name",),
            "channel": ("Source",),
            "country": ("Billing Country", "Shipping Country"),
        },
        source="Shopify admin > Orders > Export (header as in public importers, e.g. a Go "
        "test fixture 'shopifyOrdersFixture'; order fields on the first line only)",
        order_level=(
            "Email",
            "Financial Status",
            "Created at",
            "Total",
            "Refunded Amount",
            "Cancelled at",
            "Source",
            "Billing Country",
            "Shipping Country",
        ),
        order_total=True,
        line_value=("Lineitem quantity", "Lineitem price"),
        status=("Financial Status",),
        leave_out=_SHOPIFY_STATUS,
        set_columns={"Cancelled at": "cancelled order"},
        refunds=("Refunded Amount",),
    ),
    Profile(
        key="squarespace_orders",
        name="Squarespace orders export",
        kind="transactions",
        signature=("Order ID", "Financial Status", "Lineitem quantity", "Amount Refunded", "Total"),
        roles={
            "customer_id": ("Email",),
            "order_id": ("Order ID",),
            "order_date": ("Created at",),
            "amount": ("Total",),
            "quantity": ("Lineitem quantity",),
            "unit_price": ("Lineitem price",),
            "product": ("Lineitem name",),
            "country": ("Billing Country", "Shipping Country"),
        },
        source="Squarespace > Commerce > Orders > Download CSV (a real export's header and rows "
        "in public code: Order ID,Email,Financial Status,Paid at,...,Amount Refunded,Total,...,"
        "Lineitem variant,...,Cancelled at,Private Notes,Payment Method,Payment Reference); "
        "order fields on the first line only",
        order_level=(
            "Email",
            "Financial Status",
            "Created at",
            "Total",
            "Amount Refunded",
            "Cancelled at",
            "Billing Country",
            "Shipping Country",
        ),
        order_total=True,
        line_value=("Lineitem quantity", "Lineitem price"),
        status=("Financial Status",),
        leave_out=_SHOPIFY_STATUS,
        set_columns={"Cancelled at": "cancelled order"},
        refunds=("Amount Refunded",),
        dayfirst=False,
    ),
    Profile(
        key="woocommerce_orders",
        name="WooCommerce orders export (one row per order)",
        kind="transactions",
        signature=("order_id", "order_date", "status", "order_total", "customer_email"),
        roles={
            "customer_id": ("customer_email", "billing_email"),
            "order_id": ("order_number", "order_id"),
            "order_date": ("order_date",),
            "amount": ("order_total",),
            "country": ("billing_country", "shipping_country"),
            "channel": ("payment_method_title",),
        },
        source="woocommerce.com 'Import and Export of WooCommerce Orders' (Import Export Suite "
        "column headings: order_id, order_number, order_date, status, order_total, "
        "customer_email, billing_email, ...)",
        status=("status",),
        leave_out=_WOO_STATUS,
        placeholders=_GUESTS,
    ),
    Profile(
        key="woocommerce_order_items",
        name="WooCommerce orders export (one row per product)",
        kind="transactions",
        signature=(
            "Order Number",
            "Order Status",
            "Order Date",
            "Order Line Total",
            "Email (Billing)",
        ),
        roles={
            "customer_id": ("Email (Billing)",),
            "order_id": ("Order Number",),
            "order_date": ("Order Date",),
            "amount": ("Order Total Amount",),
            "quantity": ("Quantity",),
            "unit_price": ("Item Cost",),
            "product": ("Name",),
            "country": ("Country Code (Billing)", "Country Code (Shipping)"),
            "channel": ("Payment Method Title",),
        },
        source="WooCommerce 'Advanced Order Export For WooCommerce' plugin, one row per product "
        "(header in public code: Order Number,Order Status,Order Date,Customer Note,...,Email "
        "(Billing),...,Quantity,Item Cost,Order Line Total,...,Order Refund Amount,Order Total "
        "Amount,...); the order's fields repeated on each of its rows",
        order_level=("Email (Billing)", "Order Date", "Order Total Amount", "Order Refund Amount"),
        order_total=True,
        line_value=("Quantity", "Item Cost"),
        status=("Order Status",),
        leave_out={k: v for k, v in _WOO_STATUS.items() if "refunded" not in k},
        refunds=("Order Refund Amount",),
        placeholders=_GUESTS,
    ),
    Profile(
        key="square_items",
        name="Square item sales detail export",
        kind="transactions",
        signature=("Date", "Time", "Item", "Qty", "Net Sales", "Transaction ID", "Event Type"),
        roles={
            "customer_id": ("Customer ID",),
            "order_id": ("Transaction ID",),
            "order_date": ("Date",),
            "amount": ("Net Sales",),
            "quantity": ("Qty",),
            "product": ("Item",),
            "category": ("Category",),
            "channel": ("Location",),
        },
        source="Square Dashboard > Reports > Item sales > Export 'Items Detail CSV' (header "
        "as in several public parsers: Date,Time,Time Zone,Category,Item,Qty,...)",
        time_column="Time",
        placeholders=_GUESTS,
    ),
    Profile(
        key="square_transactions",
        name="Square transactions export",
        kind="transactions",
        signature=("Date", "Time", "Gross Sales", "Net Sales", "Total Collected", "Transaction ID"),
        roles={
            "customer_id": ("Customer ID",),
            "order_id": ("Transaction ID",),
            "order_date": ("Date",),
            "amount": ("Net Sales",),
            "channel": ("Location",),
        },
        source="Square Dashboard > Transactions > Export 'Transactions CSV' (header as in "
        "public parsers: Date,Time,Time Zone,Gross Sales,Discounts,...,Total Collected,...)",
        time_column="Time",
        placeholders=_GUESTS,
    ),
    _stripe(
        key="stripe_payments_unified",
        name="Stripe payments export",
        created="Created date (UTC)",
        source="Stripe Dashboard > Payments > Export, unified column names (public code "
        "fixtures: id,Created date (UTC),Amount,Amount Refunded,Currency,Captured,...)",
    ),
    _stripe(
        key="stripe_payments_legacy",
        name="Stripe payments export (older column names)",
        created="Created (UTC)",
        source="Stripe Dashboard > Payments > Export, legacy column names (public code: "
        "id,Description,Seller Message,Created (UTC),Amount,Amount Refunded,Currency,Status)",
    ),
    Profile(
        key="paypal_activity",
        name="PayPal activity download",
        kind="transactions",
        signature=("Date", "Time", "Type", "Status", "Gross", "Net", "Transaction ID"),
        roles={
            "customer_id": ("From Email Address",),
            "order_id": ("Transaction ID",),
            "order_date": ("Date",),
            "amount": ("Gross",),
            "quantity": ("Quantity",),
            "product": ("Item Title",),
            "country": ("Country",),
        },
        source="PayPal > Activity > Download (Activity download CSV header as quoted in public "
        "importers: Date,Time,TimeZone,Name,Type,Status,Currency,Gross,Fee,Net,...)",
        time_column="Time",
        status=("Status",),
        leave_out={
            "pending": "pending payment",
            "denied": "denied payment",
            "failed": "failed payment",
            "canceled": "cancelled payment",
            "cancelled": "cancelled payment",
            "reversed": "reversed payment",
            "held": "payment on hold",
        },
        keep_types=("Type", frozenset(_PAYPAL_SALES)),
        refund_types=frozenset(_PAYPAL_REFUNDS),
        refund_customer="To Email Address",
        refund_order="Reference Txn ID",
        dayfirst=False,
    ),
    Profile(
        key="etsy_sold_orders",
        name="Etsy sold orders export",
        kind="transactions",
        signature=("Sale Date", "Order ID", "Buyer User ID", "Order Total", "Number of Items"),
        roles={
            "customer_id": ("Buyer User ID", "Buyer"),
            "order_id": ("Order ID",),
            "order_date": ("Sale Date",),
            "amount": ("Order Total",),
            "quantity": ("Number of Items",),
            "country": ("Ship Country",),
        },
        source="Etsy Shop Manager > Settings > Options > Download Data, 'Orders' (public "
        "code fixtures: Sale Date,Order ID,Buyer User ID,Full Name,...,Order Total,Status,...)",
        status=("Status",),
        leave_out={"canceled": "cancelled order", "cancelled": "cancelled order"},
        dayfirst=False,
    ),
    Profile(
        key="etsy_sold_order_items",
        name="Etsy sold order items export",
        kind="transactions",
        signature=("Sale Date", "Item Name", "Buyer", "Item Total", "Order ID", "Transaction ID"),
        roles={
            "customer_id": ("Buyer",),
            "order_id": ("Order ID",),
            "order_date": ("Sale Date",),
            "amount": ("Item Total",),
            "quantity": ("Quantity",),
            "unit_price": ("Price",),
            "product": ("Item Name",),
            "country": ("Ship Country",),
        },
        source="Etsy Shop Manager > Settings > Options > Download Data, 'Order Items' (public "
        "code fixtures: Sale Date,Item Name,Buyer,Quantity,Price,...,Item Total,...)",
        dayfirst=False,
    ),
    Profile(
        key="amazon_orders",
        name="Amazon Seller Central order report",
        kind="transactions",
        signature=("order-id", "order-item-id", "purchase-date", "buyer-email", "item-price"),
        roles={
            "customer_id": ("buyer-email",),
            "order_id": ("order-id",),
            "order_date": ("purchase-date",),
            "amount": ("item-price",),
            "quantity": ("quantity-purchased",),
            "product": ("product-name",),
            "channel": ("sales-channel",),
            "country": ("ship-country",),
        },
        source="Seller Central > Orders > Order Reports (tab-separated; public code quotes "
        "order-id, order-item-id, purchase-date, payments-date, buyer-email, ..., item-price, "
        "...); item-price is the line's total for its quantity",
    ),
    Profile(
        key="xero_invoices",
        name="Xero invoices export",
        kind="transactions",
        signature=("ContactName", "InvoiceNumber", "InvoiceDate", "Total", "UnitAmount"),
        roles={
            "customer_id": ("ContactName", "EmailAddress"),
            "order_id": ("InvoiceNumber",),
            "order_date": ("InvoiceDate",),
            "amount": ("Total",),
            "quantity": ("Quantity",),
            "unit_price": ("UnitAmount",),
            "product": ("Description",),
            "country": ("POCountry",),
        },
        source="Xero > Business > Invoices > Export (CSV in the import template's layout, "
        "*ContactName,...,*InvoiceNumber,*InvoiceDate,*DueDate,Total,...,*Quantity,*UnitAmount"
        ",...; public code); Total is the invoice's total, on each of its lines",
        order_level=("ContactName", "InvoiceDate", "Total"),
        order_total=True,
        line_value=("Quantity", "UnitAmount"),
        status=("Status",),
        leave_out={
            "draft": "draft invoice",
            "submitted": "invoice awaiting approval",
            "voided": "voided invoice",
            "deleted": "deleted invoice",
        },
        dayfirst=True,
    ),
    Profile(
        key="google_forms",
        name="Google Forms responses download",
        kind="responses",
        signature=("Timestamp",),
        first_column="Timestamp",
        roles={
            "response_date": ("Timestamp",),
            "customer_id": ("Email Address", "Email address", "Email"),
        },
        source="Google Forms > Responses > Download responses (.csv): 'Timestamp', "
        "'Email Address' (when collected), then one column per question",
        date_suffix=r"\s+(?:GMT|UTC)(?:[+-]\d{1,2}(?::?\d{2})?)?",
    ),
    Profile(
        key="surveymonkey",
        name="SurveyMonkey responses export",
        kind="responses",
        signature=("Respondent ID", "Collector ID", "Start Date", "End Date"),
        roles={
            "response_date": ("End Date",),
            "customer_id": ("Email Address",),
        },
        source="SurveyMonkey > Analyze results > Save as > All individual responses, CSV "
        "(public code: Respondent ID,Collector ID,Start Date,End Date,IP Address,Email "
        "Address,First Name,Last Name,Custom Data 1, then the questions; a second header row)",
        header_rows=1,
        dayfirst=False,
    ),
    Profile(
        key="qualtrics",
        name="Qualtrics responses export",
        kind="responses",
        signature=("StartDate", "EndDate", "Status", "Finished", "ResponseId"),
        roles={
            "response_date": ("RecordedDate", "EndDate"),
            "customer_id": ("RecipientEmail", "ExternalReference"),
            "score": ("{}_NPS_GROUP",),
        },
        source="Qualtrics > Data & Analysis > Export data, CSV (public code: StartDate,"
        "EndDate,Status,IPAddress,Progress,Duration (in seconds),Finished,RecordedDate,"
        'ResponseId,...; row 2 the question text, row 3 {"ImportId":...})',
        status=("Status",),
        leave_out={
            "survey preview": "preview response",
            "survey test": "test response",
            "spam": "spam response",
        },
        false_columns={"Finished": "unfinished response"},
        header_rows=2,
    ),
    Profile(
        key="microsoft_forms",
        name="Microsoft Forms responses download",
        kind="responses",
        signature=("ID", "Start time", "Completion time", "Email", "Name"),
        roles={"response_date": ("Completion time",), "customer_id": ("Email",)},
        source="Microsoft Forms > Responses > Open results in Excel (public code: ID,Start "
        "time,Completion time,Email,Name[,Last modified time], then the questions); "
        "'anonymous' in Email when the form does not record names",
        placeholders=("anonymous",),
        first_column="ID",
    ),
    Profile(
        key="typeform",
        name="Typeform responses export",
        kind="responses",
        signature=("#", "Submit Date (UTC)"),
        first_column="#",
        roles={"response_date": ("Submit Date (UTC)",)},
        source="Typeform > Results > Responses > Download all responses, CSV (public code: "
        "#, the questions, Start Date (UTC), Submit Date (UTC), Network ID)",
        status=("Response Type",),
        leave_out={"partial": "unfinished response"},
    ),
    Profile(
        key="lightspeed_xseries_sales",
        name="Lightspeed Retail X-Series (formerly Vend) sales history export",
        kind="transactions",
        signature=("Receipt Number", "Line Type", "Customer Code", "Register", "Total"),
        roles={
            "customer_id": ("Customer Code", "Customer Name"),
            "order_id": ("Receipt Number",),
            "order_date": ("Date",),
            "amount": ("Total",),
            "quantity": ("Quantity",),
            "channel": ("Register",),
        },
        source="Lightspeed Retail X-Series (Vend) > Sales history > Export sales (column "
        "names as a public importer's model of the file lists them: receiptNumber, lineType, "
        "customerCode, customerName, note, quantity, subtotal, salesTax, discount, loyalty, "
        "total, paid, details, register, user, status, sku, accountCodeSale, "
        "accountCodePurchase, saleDate); one 'Sale' row per sale with its total, then its "
        "'Sale Line' and 'Payment' rows",
        status=("Status",),
        leave_out={
            "voided": "voided sale",
            "saved": "parked sale (not completed)",
            "layby": "open layby (not completed)",
        },
        keep_types=("Line Type", frozenset({"Sale"})),
        type_reasons=_LIGHTSPEED_LINES,
        refund_types=frozenset({"Sale"}),  # a return is a sale with a negative total
        placeholders=_GUESTS,
    ),
    Profile(
        key="sumup_sales",
        name="SumUp sales report",
        kind="transactions",
        signature=("Transaction ID", "Receipt Number", "Payment Method", "Price (Gross)", "Type"),
        roles={
            "order_id": ("Transaction ID",),
            "order_date": ("Date",),
            "amount": ("Price (Gross)",),
            "quantity": ("Quantity",),
            "product": ("Description",),
            "channel": ("Payment Method",),
        },
        source="SumUp dashboard > Reports > Sales report, CSV (header as a public parser's "
        "test fixtures write it, ursjoss/lola-sumup src/test_fixtures.rs: Account,Date,Time,"
        "Type,Transaction ID,Receipt Number,Payment Method,Quantity,Description,Currency,"
        "Price (Gross),Price (Net),Tax,Tax rate,Transaction refunded; dates 17.04.23); "
        "Price (Gross) is the line's total for its quantity",
        time_column="Time",
        keep_types=("Type", frozenset({"Sales", "Refund"})),
        refund_types=frozenset({"Refund"}),
        no_customer="'Account' is the shop's own login",
        dayfirst=True,
    ),
    Profile(
        key="sumup_sales_de",
        name="SumUp sales report (German)",
        kind="transactions",
        signature=("Transaktionsnummer", "Zahlungsmethode", "Preis (brutto)", "Typ", "Konto"),
        roles={
            "order_id": ("Transaktionsnummer",),
            "order_date": ("Datum",),
            "amount": ("Preis (brutto)",),
            "quantity": ("Menge",),
            "product": ("Beschreibung",),
            "channel": ("Zahlungsmethode",),
        },
        source="SumUp dashboard > Berichte > Verkaufsbericht, CSV in German (the columns a "
        "public parser reads and stacks in this order, ursjoss/lola-sumup src/prepare.rs: "
        "Datum,Typ,Transaktionsnummer,Zahlungsmethode,Menge,Beschreibung,Währung,Preis vor "
        "Rabatt,Rabatt,Preis (brutto),Preis (netto),Steuer,Steuersatz,Konto; Datum "
        "'24.03.2023, 12:32'; Typ 'Verkauf' for a sale)",
        keep_types=("Typ", frozenset({"Verkauf", "Erstattung", "Rückerstattung"})),
        refund_types=frozenset({"Erstattung", "Rückerstattung"}),
        no_customer="'Konto' is the shop's own login",
        dayfirst=True,
    ),
    Profile(
        key="zettle_payments",
        name="Zettle (PayPal Zettle) payments export",
        kind="transactions",
        signature=("Receipt number", "Payment method", "Card type", "Staff", "Device", "Fee"),
        roles={
            "order_id": ("Receipt number",),
            "order_date": ("Date",),
            "amount": ("Total",),
            "channel": ("Payment method",),
            "product": ("Description",),
        },
        source="Zettle Go > Sales > Reports / Receipts > Export to Excel (the help centre "
        "lists its columns: date and time, receipt number, total received with fee and net, "
        "card or cash, card type and last digits, staff, device, description; the English "
        "column names are not quoted by any source found)",
        time_column="Time",
        no_customer="it lists the payments taken at the till",
    ),
    Profile(
        key="bigcommerce_orders",
        name="BigCommerce orders export",
        kind="transactions",
        signature=("Order ID", "Customer Email", "Order Status", "Order Total (inc tax)"),
        roles={
            "customer_id": ("Customer Email", "Billing Email"),
            "order_id": ("Order ID",),
            "order_date": ("Order Date",),
            "amount": ("Order Total (inc tax)",),
            "quantity": ("Total Quantity",),
            "channel": ("Channel Name",),
            "country": ("Billing Country", "Shipping Country"),
        },
        source="BigCommerce > Orders > Export, default template (header as public code quotes "
        "it: Order ID,Customer ID,Customer Name,Customer Email,...,Order Date,Order Status,...,"
        "Order Total (inc tax),...,Product Details,Refund Amount,Channel ID,Channel Name; "
        "parsers read Order Date month first); one row per order",
        status=("Order Status",),
        leave_out={
            "cancelled": "cancelled order",
            "declined": "declined order",
            "awaiting payment": "order awaiting payment",
            "pending": "order with payment pending",
            "incomplete": "incomplete order (checkout not finished)",
            "manual verification required": "order awaiting verification",
        },
        refunds=("Refund Amount",),
        dayfirst=False,
    ),
    Profile(
        key="wix_orders",
        name="Wix orders export",
        kind="transactions",
        signature=("Order number", "Date created", "Contact email", "Payment status", "Total"),
        roles={
            "customer_id": ("Contact email",),
            "order_id": ("Order number",),
            "order_date": ("Date created",),
            "amount": ("Total",),
            "quantity": ("Qty",),
            "unit_price": ("Price",),
            "product": ("Item",),
            "country": ("Billing country", "Delivery country"),
        },
        source="Wix > Store Orders > Export (header as public code quotes it: Order number,"
        "Date created,Time,Fulfill by,Total order quantity,Contact email,...,Item,Variant,SKU,"
        "Qty,Quantity refunded,Price,...,Payment status,Payment method,...,Total,Currency,"
        "Refunded amount,Net amount,...; dates 'Dec 8, 2024', times '9:15:51 AM'); one row "
        "per item, the order's total on each of its rows",
        time_column="Time",
        order_level=(
            "Contact email",
            "Date created",
            "Time",
            "Payment status",
            "Total",
            "Refunded amount",
        ),
        order_total=True,
        line_value=("Qty", "Price"),
        status=("Payment status",),
        leave_out={
            "unpaid": "unpaid order",
            "not paid": "unpaid order",
            "pending": "order with payment pending",
            "canceled": "cancelled order",
            "cancelled": "cancelled order",
        },
        refunds=("Refunded amount",),
    ),
    Profile(
        key="quickbooks_sales_by_customer",
        name='QuickBooks "Sales by Customer Detail" report',
        kind="transactions",
        signature=(
            "Date",
            "Transaction Type",
            "Num",
            "Product/Service",
            "Memo/Description",
            "Amount",
            "Balance",
        ),
        roles={
            "customer_id": ("Customer",),
            "order_id": ("Num",),
            "order_date": ("Date",),
            "amount": ("Amount",),
            "quantity": ("Qty",),
            "product": ("Product/Service",),
        },
        source="QuickBooks Online > Reports > Sales by Customer Detail > Export to CSV (title "
        "block: company, report name, date range; header ',Date,Transaction Type,Num,"
        "Product/Service,Memo/Description,Qty,Sales Price,Amount,Balance'; each customer's "
        "name on a row of its own, its lines, 'Total for <customer>'; a grand 'TOTAL'; the "
        "basis and time of the report under it)",
        groups="Customer",
        dayfirst=False,
    ),
    Profile(
        key="delighted",
        name="Delighted responses export",
        kind="responses",
        signature=("Response ID", "Person ID", "Score", "Comment", "Permalink"),
        roles={
            "response_date": ("Response timestamp", "Created At"),
            "customer_id": ("Email", "Person ID"),
            "score": ("Score",),
            "comment": ("Comment",),
        },
        source="Delighted > Results > Download responses, CSV (the response's fields as the "
        "API documents them: id, person, score, comment, permalink, created_at, updated_at, "
        "notes, tags, person properties; the CSV's exact column names are not quoted by any "
        "source found)",
    ),
    Profile(
        key="hotjar_survey",
        name="Hotjar survey responses export",
        kind="responses",
        signature=("Number", "User", "Date Submitted", "Source URL", "Device", "Browser"),
        roles={"response_date": ("Date Submitted",), "customer_id": ("User",)},
        source="Hotjar > Surveys > Responses > Download CSV (fixed columns Number, User, Date "
        "Submitted, Country, Source URL, Device, Browser, OS, Hotjar User ID, then one column "
        "per question; from the responses table as the help centre shows it, not quoted by "
        "public code found); 'Anonymous' when the visitor is not identified",
        placeholders=("anonymous",),
    ),
)
"""Every known export, most specific signatures win (see :func:`match_profile`)."""


def _columns_by_norm(columns: Iterable[Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for c in columns:
        out.setdefault(_norm(c), c)
    return out


def match_profile(columns: Iterable[Any], kind: str | None = None) -> Profile | None:
    """Return the known export whose header signature the columns contain, or None.

    Parameters
    ----------
    columns : iterable
        The file's column names, in any order, extra columns allowed (compared trimmed and
        case-insensitively).
    kind : {"transactions", "responses"}, optional
        Only profiles read by that prepare function.

    Returns
    -------
    Profile or None
        The matching profile with the longest signature (the most specific one).
    """
    columns = list(columns)
    names = _columns_by_norm(columns)
    first = _norm(columns[0]) if columns else ""
    best: Profile | None = None
    for p in PROFILES:
        if kind is not None and p.kind != kind:
            continue
        if p.first_column is not None and first != _norm(p.first_column):
            continue
        if all(_norm(s) in names for s in p.signature):
            if best is None or len(p.signature) > len(best.signature):
                best = p
    return best


def _text(raw: pd.DataFrame, col: Any) -> pd.Series:
    """Return a column as trimmed text, "" for missing."""
    s = raw[col]
    return s.astype(object).where(s.notna(), "").astype(str).str.strip()


def _resolve_role(raw: pd.DataFrame, names: dict[str, Any], candidates: tuple[str, ...]) -> Any:
    """Return the first candidate column present with a non-empty cell (templates: Profile)."""
    for cand in candidates:
        if "{}" in cand:
            for c in raw.columns:
                if _norm(cand.format(c)) in names and _text(raw, c).ne("").any():
                    return c
            continue
        c = names.get(_norm(cand))
        if c is not None and _text(raw, c).ne("").any():
            return c
    return None


def source_mapping(raw: pd.DataFrame, profile: Profile) -> dict[str, Any]:
    """Role -> the file's own column for every role the profile names and the file has.

    This is what "Your data" shows as the columns used; the profile's computed columns
    (net amounts, joined date and time) are derived from these.
    """
    names = _columns_by_norm(raw.columns)
    out = {}
    used: set = set()
    for role, cands in profile.roles.items():
        c = _resolve_role(raw, names, cands)
        if c is not None and c not in used:
            out[role] = c
            used.add(c)
    return out


@dataclass
class Applied:
    """Result of :func:`apply_profile`.

    Attributes
    ----------
    profile : Profile
    frame : pd.DataFrame
        Same index and rows as the raw table: the file's columns (order-level cells carried
        down to the order's other lines) plus computed columns named ``"... (computed)"``.
    mapping : dict
        Role -> column of ``frame`` for the roles the profile settles.
    source : dict
        Role -> the file's own column (see :func:`source_mapping`).
    set_aside : np.ndarray
        One reason per row (object array); ``""`` means the row is used.
    description : str
        One plain sentence: "Recognised as a Shopify orders export: ...".
    notes : list[str]
        Further plain-language notes.
    dayfirst : bool or None
        The export's date order, for the prepare functions.
    subheaders : dict
        Column -> the text of the header rows under the column names (question text).
    """

    profile: Profile
    frame: pd.DataFrame
    mapping: dict[str, Any]
    source: dict[str, Any]
    set_aside: np.ndarray
    description: str
    notes: list[str] = field(default_factory=list)
    dayfirst: bool | None = None
    subheaders: dict[str, str] = field(default_factory=dict)


def _new_name(frame: pd.DataFrame, base: str) -> str:
    name = f"{base} (computed)"
    while name in frame.columns:
        name += " (computed)"
    return name


def _numbers(s: pd.Series) -> np.ndarray:
    from analysis.ingest import _parse_numbers  # lazy: ingest may import this module

    return _parse_numbers(s).values


def _is_date_like(s: pd.Series) -> np.ndarray:
    """Tell the cells that could be a date or time: a digit, and not a JSON import id."""
    t = s.astype(str)
    return (t.str.contains(r"\d", regex=True) & ~t.str.startswith("{")).to_numpy(bool)


@dataclass
class _Work:
    """What the steps of :func:`apply_profile` share: the frame being built and what was said."""

    profile: Profile
    raw: pd.DataFrame
    frame: pd.DataFrame
    names: dict[str, Any]
    source: dict[str, Any]
    mapping: dict[str, Any]
    reason: np.ndarray
    order_col: Any = None
    said: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    subheaders: dict[str, str] = field(default_factory=dict)

    @property
    def date_role(self) -> str:
        """Return the role of the date column ("order_date" or "response_date")."""
        return "order_date" if self.profile.kind == "transactions" else "response_date"

    def column(self, name: str | None) -> Any:
        """Return the file's column of that name (trimmed, any case), or None."""
        return self.names.get(_norm(name)) if name else None

    def set_aside(self, mask: np.ndarray, label: str) -> int:
        """Give the rows of ``mask`` not yet set aside the reason ``label``; return how many."""
        hit = mask & (self.reason == "")
        self.reason[hit] = label
        return int(hit.sum())

    def units(self, mask: np.ndarray) -> int:
        """Count the orders among the rows of ``mask`` (rows, when there is no order column)."""
        if self.order_col is None:
            return int(mask.sum())
        keys = _text(self.frame, self.order_col)[mask]
        return int(keys[keys != ""].nunique() + (keys == "").sum())

    def leave_out(self, mask: np.ndarray, label: str) -> None:
        """Set the rows of ``mask`` aside as ``label`` and say how many orders that was."""
        units = self.units(mask & (self.reason == ""))
        if self.set_aside(mask, label):
            self.said.append(f"{plural(units, label)} left out")

    def add_column(self, base: str, values: pd.Series, role: str) -> None:
        """Add a computed text column and map ``role`` to it."""
        new = _new_name(self.frame, base)
        self.frame[new] = values.astype("str")
        self.mapping[role] = new


def _header_rows(w: _Work) -> None:
    """Set aside the rows under the header that are more header (question text, import ids)."""
    n = len(w.raw)
    k = min(w.profile.header_rows, n)
    dcol = w.source.get(w.date_role)
    head = np.zeros(n, dtype=bool)
    if dcol is not None:
        first = _text(w.raw, dcol).iloc[:k]
        head[:k] = ~_is_date_like(first)
        # only a leading run counts: a real response above a "header" row ends the run
        head[:k] = np.logical_and.accumulate(head[:k])
    m = w.set_aside(head, "a second header row (question text), not a response")
    if not m:
        return
    for c in w.raw.columns:
        parts = [p for p in _text(w.raw, c).iloc[:m] if p and not p.startswith("{")]
        if parts:
            w.subheaders[c] = " ".join(parts)
    w.said.append(
        f"{plural(m, 'header row')} under the column names {'was' if m == 1 else 'were'} left out"
    )
    # a role settled by the cells of the header rows may need re-resolving without them
    w.mapping = dict(source_mapping(w.raw.iloc[m:], w.profile))
    w.source = dict(w.mapping)


_HEADING = "a customer heading row (its lines carry the customer)"
_NOTE = "a note under the report, not a sale"


def _group_rows(w: _Work) -> None:
    """Give each line the customer of its group heading; set headings and totals aside.

    A grouped report (QuickBooks "Sales by Customer Detail") writes a customer's name on a
    row of its own, then the customer's lines (each with a date), then "Total for
    <customer>"; a grand "TOTAL" row ends the report, and what is under it is a note.
    """
    col = w.column(w.profile.groups)
    dcol = w.source.get(w.date_role)
    if col is None or dcol is None:
        return
    name = _text(w.frame, col)
    dated = (_text(w.frame, dcol) != "").to_numpy(bool)
    total = total_rows(w.frame[[col]]) & ~dated
    after = np.zeros(len(name), dtype=bool)
    grand = np.flatnonzero(total & (name.str.casefold() == "total").to_numpy(bool))
    if len(grand):
        after[grand[-1] + 1 :] = True
    heading = (name != "").to_numpy(bool) & ~dated & ~total & ~after
    k_total = w.set_aside(total, "a total row, not a sale")
    k_note = w.set_aside(after, _NOTE)
    k_head = w.set_aside(heading, _HEADING)
    carried = name.where(pd.Series(heading, index=name.index)).ffill().fillna("")
    customer = name.where(name != "", carried).where(pd.Series(dated, index=name.index), "")
    w.add_column(str(col), customer, "customer_id")
    w.said.append(
        f"each line's customer taken from the customer's heading row above it (the report's "
        f"unnamed first column, shown as '{col}')"
    )
    w.said.extend(
        f"{plural(k, label)} left out"
        for k, label in ((k_head, "customer heading row"), (k_total, "total row"), (k_note, "note"))
        if k
    )


def _carry_down(w: _Work) -> None:
    """Copy the order-level cells written on an order's first line to its other lines."""
    key = _text(w.frame, w.order_col)
    has_key = key != ""
    for name in w.profile.order_level:
        col = w.column(name)
        if col is None:
            continue
        t = _text(w.frame, col)
        empty = t == ""
        if not (empty & has_key).any():
            continue
        firsts = t.where(~empty).groupby(key.where(has_key)).transform("first")
        fill = empty & has_key & firsts.notna()
        if fill.any():
            out = w.frame[col].astype(object).copy()
            out[fill.to_numpy()] = firsts[fill].to_numpy()
            w.frame[col] = out.astype("str")


def _statuses(w: _Work) -> None:
    """Set aside left-out statuses, rows with a cancellation mark and rows flagged false."""
    for name in w.profile.status:
        col = w.column(name)
        if col is None:
            continue
        t = _text(w.frame, col).str.casefold()
        for value, label in w.profile.leave_out.items():
            hit = (t == value).to_numpy(bool)
            if hit.any():
                w.leave_out(hit, label)
    for name, label in w.profile.set_columns.items():
        col = w.column(name)
        if col is not None:
            w.leave_out((_text(w.frame, col) != "").to_numpy(bool), label)
    for name, label in w.profile.false_columns.items():
        col = w.column(name)
        if col is not None:
            w.leave_out(_text(w.frame, col).str.casefold().isin(_FALSE).to_numpy(bool), label)


def _not_a_sale(type_col: Any, value: str) -> str:
    return f"not a sale ({type_col}: {value or 'empty'})"


def _types(w: _Work) -> None:
    """Keep only the row types that are sales; money the shop paid out is not a sale."""
    p = w.profile
    type_col = w.column(p.keep_types[0]) if p.keep_types else None
    if type_col is None or p.keep_types is None:
        return
    t = _text(w.frame, type_col)
    tf = t.str.casefold()
    free = ~tf.isin(p.keep_types[1]).to_numpy(bool) & (w.reason == "")
    other = 0
    for value, k in Counter(t[free].tolist()).most_common():
        label = p.type_reasons.get(_norm(value))
        w.set_aside(free & (t == value).to_numpy(bool), label or _not_a_sale(type_col, value))
        if label is None:
            other += k
        else:
            w.said.append(f"{plural(k, label)} left out")
    if other:
        w.said.append(f"{plural(other, 'row')} that are not sales left out")
    amount_col = w.source.get("amount")
    if amount_col is None:
        return
    amt = _numbers(w.frame[amount_col])
    refund_type = tf.isin(p.refund_types).to_numpy(bool)
    k = w.set_aside((amt < 0) & ~refund_type, "money the shop paid out, not a sale")
    if k:
        w.said.append(f"{plural(k, 'payment')} the shop made left out")
    _refund_rows(w, refund_type & (amt < 0))


def _refund_rows(w: _Work, swap: np.ndarray) -> None:
    """Take a refund's customer and order from the columns the export writes them in."""
    if not swap.any():
        return
    rc = w.column(w.profile.refund_customer)
    cc = w.source.get("customer_id")
    if rc is not None and cc is not None:
        cust = _text(w.frame, cc).copy()
        cust[swap] = _text(w.frame, rc)[swap]
        w.add_column(str(cc), cust, "customer_id")
        w.notes.append(
            f"On refund rows the customer is taken from '{rc}' (the money went to them), not "
            f"from '{cc}'."
        )
    ro = w.column(w.profile.refund_order)
    oc = w.source.get("order_id")
    if ro is None or oc is None:
        return
    ref = _text(w.frame, ro)
    swap = swap & (ref != "").to_numpy(bool)
    if swap.any():
        oid = _text(w.frame, oc).copy()
        oid[swap] = ref[swap]
        w.add_column(str(oc), oid, "order_id")


def _placeholders(w: _Work) -> None:
    """Keep the sales (or responses) of placeholder customers without a customer."""
    cust_col = w.source.get("customer_id")
    if cust_col is None or not w.profile.placeholders:
        return
    cust = _text(w.frame, w.mapping["customer_id"])
    hit = cust.str.casefold().isin([p.casefold() for p in w.profile.placeholders]).to_numpy(bool)
    k = int((hit & (w.reason == "")).sum())
    if not k:
        return
    if w.profile.kind == "responses":
        w.add_column(str(cust_col), cust.mask(hit, ""), "customer_id")
        w.said.append(f"{plural(k, 'anonymous response')} kept without a respondent")
    else:
        # the prepare function keeps these as sales without a customer (or sets them aside
        # when their date or amount is unusable)
        w.add_column(str(cust_col), cust.mask(hit, "guest"), "customer_id")
        w.said.append(f"{plural(k, 'guest or walk-in sale')} kept without a customer")


def _no_customer(w: _Work) -> None:
    """Keep the sales of an export that names no customer as sales without a customer."""
    if w.profile.no_customer is None or "customer_id" in w.mapping:
        return
    w.add_column("customer", pd.Series("", index=w.frame.index), "customer_id")
    k = w.units(w.reason == "")
    w.said.append(
        f"the file names no customer ({w.profile.no_customer}): its "
        f"{plural(k, 'sale')} {'is' if k == 1 else 'are'} kept as sales without a customer"
    )


def _join_date(w: _Work) -> None:
    """Join a separate time column to the date; remove time-zone suffixes."""
    p = w.profile
    dcol = w.source.get(w.date_role)
    if dcol is None or not (p.time_column or p.date_suffix):
        return
    d = _text(w.frame, dcol)
    if p.date_suffix:
        d = d.str.replace(p.date_suffix + r"\s*$", "", regex=True)
    tcol = w.column(p.time_column)
    if tcol is not None:
        tm = _text(w.frame, tcol)
        both = (d != "") & (tm != "")
        d = d.where(~both, d + " " + tm)
    w.add_column(str(dcol) if tcol is None else f"{dcol} and {tcol}", d, w.date_role)


def _net_amounts(w: _Work) -> None:
    """Subtract the refund columns from the amount and count order totals once per order."""
    p = w.profile
    amount_col = w.source.get("amount")
    if amount_col is None or not (p.refunds or p.order_total):
        return
    net = _numbers(w.frame[amount_col])
    used_refunds = []
    for name in p.refunds:
        col = w.column(name)
        if col is None:
            continue
        r = np.nan_to_num(_numbers(w.frame[col]), nan=0.0)
        if (r != 0).any():
            used_refunds.append(col)
        net = net - np.abs(r)
    spread = False
    if p.order_total and w.order_col is not None:
        net, spread = _spread_order_totals(w, net)
    vals = pd.Series(np.char.mod("%.15g", np.round(net, 8).astype(float)), index=w.frame.index)
    w.add_column(f"{amount_col} net", vals.mask(np.isnan(net), ""), "amount")
    w.said.extend(f"refunds taken from '{col}'" for col in used_refunds)
    if spread:
        w.said.append(f"order totals ('{amount_col}') counted once per order")


def _spread_order_totals(w: _Work, net: np.ndarray) -> tuple[np.ndarray, bool]:
    """Count each order's total once, spread over its lines in proportion to their value.

    Returns the new amounts and whether any order had more than one line. Shares are rounded
    to cents, the rest goes on the order's first line.
    """
    n = len(net)
    key = _text(w.frame, w.order_col)
    codes, _ = pd.factorize(key.where(key != ""), use_na_sentinel=True)
    keyed = codes >= 0
    if not keyed.any():
        return net, False
    weight = np.ones(n)
    if w.profile.line_value is not None:
        qc, pc = (w.column(c) for c in w.profile.line_value)
        if qc is not None and pc is not None:
            lv = np.abs(_numbers(w.frame[qc]) * _numbers(w.frame[pc]))
            weight = np.where(np.isnan(lv), 0.0, lv)
    g = np.where(keyed, codes, 0)
    ng = int(codes.max()) + 1
    wsum = np.bincount(g[keyed], weights=weight[keyed], minlength=ng)
    cnt = np.bincount(g[keyed], minlength=ng)
    share = np.where(wsum[g] > 0, weight / np.where(wsum[g] > 0, wsum[g], 1), 1 / cnt[g])
    # the order's total: its first line's value (carried down to every line); factorize
    # numbers orders by first appearance, so the first line of each is its first index
    first_pos = np.flatnonzero(keyed)[np.unique(codes[keyed], return_index=True)[1]]
    part = np.round(net[first_pos[g]] * share, 2)
    psum = np.bincount(g[keyed], weights=np.nan_to_num(part[keyed]), minlength=ng)
    is_first = np.zeros(n, dtype=bool)
    is_first[first_pos] = True
    rest = np.round(net[first_pos] - psum, 8)
    part = np.where(is_first, part + rest[g], part)
    return np.where(keyed, part, net), bool((cnt > 1).any())


def apply_profile(raw: pd.DataFrame, profile: Profile) -> Applied:
    """Apply a known export's row-level meaning to its raw text table.

    Parameters
    ----------
    raw : pd.DataFrame
        The table as :func:`analysis.ingest.read_table` returns it (text cells).
    profile : Profile
        Usually ``match_profile(raw.columns)``.

    Returns
    -------
    Applied
        The frame to prepare (same rows and index as ``raw``), the role mapping the profile
        settles, one set-aside reason per row, and a plain description of what was done.
        Header rows under the column names, group heading and total rows, left-out statuses
        and types, cancelled rows and money the shop paid out are set aside with their
        reason; placeholder customers' sales are kept without a customer; refund columns are
        subtracted from the amount; order totals are counted once per order. Amounts are in
        the file's currency; negative amounts are refunds.
    """
    raw = raw.copy(deep=False)
    raw.attrs = {}  # pandas deep-copies attrs on every operation: keep them out of the way
    source = source_mapping(raw, profile)
    w = _Work(
        profile=profile,
        raw=raw,
        frame=raw.copy(),
        names=_columns_by_norm(raw.columns),
        source=source,
        mapping=dict(source),
        reason=np.full(len(raw), "", dtype=object),
        order_col=source.get("order_id"),
    )
    if profile.header_rows:
        _header_rows(w)
    if profile.groups is not None:
        _group_rows(w)
    if w.order_col is not None and profile.order_level:
        _carry_down(w)
    _statuses(w)
    _types(w)
    _placeholders(w)
    _no_customer(w)
    _join_date(w)
    _net_amounts(w)
    if profile.dayfirst is not None:
        w.said.append(f"dates read as {'day/month' if profile.dayfirst else 'month/day'}/year")
    article = "an" if profile.name[:1].lower() in "aeiou" else "a"
    description = f"Recognised as {article} {profile.name}"
    description += (": " + ", ".join(w.said) + ".") if w.said else "."
    return Applied(
        profile=profile,
        frame=w.frame,
        mapping=w.mapping,
        source=w.source,
        set_aside=w.reason,
        description=description,
        notes=w.notes,
        dayfirst=profile.dayfirst,
        subheaders=w.subheaders,
    )


def complete_mapping(applied: Applied) -> dict[str, Any]:
    """Return the profile's mapping plus the roles it leaves open, detected on the other columns.

    Detection sees each column's name together with the text of the header rows under it
    (Qualtrics' "Q1" is detected by its question text), and only the rows that are used.
    """
    from analysis.ingest import detect_columns  # lazy: ingest may import this module

    if applied.profile.kind == "transactions":
        # a shop's export has many columns that look like a product, category or channel
        # (line_item_2, Type, Payment Source Type): only the profile's own roles are used
        return dict(applied.mapping)
    frame = applied.frame
    taken = set(applied.mapping.values()) | set(applied.source.values())
    rest = [c for c in frame.columns if c not in taken and not str(c).endswith("(computed)")]
    mapping = dict(applied.mapping)
    if rest:
        keep = applied.set_aside == ""
        sub = frame.loc[keep, rest] if keep.any() else frame[rest]
        labels = {c: f"{c} {applied.subheaders.get(c, '')}".strip() for c in rest}
        sub = sub.rename(columns=labels)
        sub.attrs = {"profile": applied.profile.key}  # detection must not recognise it again
        back = {v: k for k, v in labels.items()}
        found = detect_columns(sub, applied.profile.kind)
        for role, col in found.items():
            if role not in mapping:
                mapping[role] = back[col]
    from analysis.ingest import RESPONSE_ROLES, TRANSACTION_ROLES

    roles = TRANSACTION_ROLES if applied.profile.kind == "transactions" else RESPONSE_ROLES
    return {r: mapping[r] for r in roles if r in mapping}


def detect_known(raw: pd.DataFrame, kind: str) -> dict[str, Any] | None:
    """Return the columns a known export uses (for :func:`analysis.ingest.detect_columns`).

    Parameters
    ----------
    raw : pd.DataFrame
        The table from :func:`analysis.ingest.read_table`.
    kind : {"transactions", "responses"}

    Returns
    -------
    dict or None
        Role -> the file's own column, in canonical role order: the profile's roles, plus
        (for surveys) the roles detection finds on the other columns. Passing this mapping
        back to :func:`prepare_known_export` applies the profile.
    """
    if raw.attrs.get("profile"):
        return None
    profile = match_profile(raw.columns, kind)
    if profile is None:
        return None
    applied = apply_profile(raw, profile)
    _, shown = _shown_mapping(raw, applied)
    from analysis.ingest import RESPONSE_ROLES, TRANSACTION_ROLES

    roles = TRANSACTION_ROLES if kind == "transactions" else RESPONSE_ROLES
    return {r: shown[r] for r in roles if r in shown}


def _shown_mapping(raw: pd.DataFrame, applied: Applied) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return the mapping the prepare function uses and the one shown (the file's columns)."""
    full = complete_mapping(applied)
    shown = dict(full)
    shown.update(applied.source)
    # a role only a computed column fills (an export that names no customer) is not shown
    return full, {r: c for r, c in shown.items() if c in raw.columns}


def _rejected_table(raw: pd.DataFrame, rows: np.ndarray, reasons: np.ndarray) -> pd.DataFrame:
    """Return the set-aside rows as the file wrote them, with their row number and reason."""
    from analysis.ingest.cells import _as_text  # lazy: ingest imports this module
    from analysis.ingest.preparing import _with_row_and_reason

    at = np.flatnonzero(reasons != "")
    rejected = raw.iloc[at].reset_index(drop=True)
    rejected = pd.DataFrame({c: _as_text(rejected[c]) for c in rejected.columns})
    return _with_row_and_reason(rejected, rows[at].astype(np.int64), reasons[at].astype(str))


def _expand(counts: Mapping[str, int]) -> np.ndarray:
    return np.array([r for r, k in counts.items() for _ in range(k)], dtype=object)


def _warnings(
    raw: pd.DataFrame,
    applied: Applied,
    inner: Any,
    n_inner: int,
    by_reason: Mapping[str, int],
) -> list[str]:
    """Return the notes: the read notes, the recognition sentence, then the prepare notes."""
    from analysis import ingest  # lazy: ingest may import this module

    inner_by = _expand(inner.report.get("rejected_by_reason", {}))
    padded = np.concatenate([inner_by, np.full(n_inner - len(inner_by), "", dtype=object)])
    _, inner_note = ingest._rejection_summary(padded, n_inner)
    read_notes = list(raw.attrs.get("warnings", None) or [])
    rest = [w for w in inner.warnings if w not in inner_note and w not in read_notes]
    _, all_note = ingest._rejection_summary(_expand(by_reason), len(raw))
    return read_notes + [applied.description] + applied.notes + all_note + rest


def _report(inner: Any, applied: Applied, full: Mapping, shown: Mapping, **counts: Any) -> dict:
    """Return the prepare function's report under the file's own column names."""
    report = dict(inner.report)
    computed = {full[r]: shown[r] for r in full if r in shown and full[r] != shown[r]}
    for key in ("number_format", "date_format"):
        if isinstance(report.get(key), dict):
            report[key] = {computed.get(c, c): v for c, v in report[key].items()}
    report.update(counts, profile=applied.profile.key, profile_name=applied.profile.name)
    return report


def prepare_known_export(
    raw: pd.DataFrame,
    kind: str,
    mapping: dict[str, str] | None = None,
    *,
    dayfirst: bool | None = None,
) -> Any:
    """Prepare a file that a profile recognises; None when no profile applies.

    Parameters
    ----------
    raw : pd.DataFrame
        The table from :func:`analysis.ingest.read_table`.
    kind : {"transactions", "responses"}
        Which prepare function reads the file.
    mapping : dict, optional
        ``None``, or exactly the mapping :func:`source_mapping` (plus detection) gives for the
        file: then the profile applies. Any other mapping (the visitor chose columns by hand)
        returns None, and the caller prepares the file as it is.
    dayfirst : bool, optional
        The visitor's date order; ``None`` uses the export's own.

    Returns
    -------
    analysis.ingest.Prepared or None
        As the prepare function returns, over every row of ``raw``: rows the profile sets
        aside are in ``rejected`` with their reason, ahead of the prepare function's own
        reasons in ``report["rejected_by_reason"]``; ``warnings`` start with the profile's
        description; ``mapping`` names the file's own columns; ``report["profile"]`` is the
        profile's key and ``report["profile_name"]`` its name.
    """
    from analysis import ingest  # lazy: ingest may import this module

    if raw.attrs.get("profile"):
        return None  # already applied: this is the profile's own call to the prepare function
    profile = match_profile(raw.columns, kind)
    if profile is None:
        return None
    applied = apply_profile(raw, profile)
    full, shown = _shown_mapping(raw, applied)
    if mapping is not None:
        given = {r: c for r, c in mapping.items() if c}
        if given != shown and given != full:
            return None
    rows = ingest._row_numbers(raw)
    frame = applied.frame.copy()
    frame.index = pd.Index(rows, name="row")
    frame.attrs = dict(raw.attrs)
    frame.attrs["header_row"] = raw.attrs.get("header_row", 1)
    frame.attrs["profile"] = profile.key
    keep = applied.set_aside == ""
    if not keep.any():
        raise ingest.DataError(
            f"{applied.description} No row of {ingest._file_label(raw)} is left to use after that."
        )
    func = ingest.prepare_transactions if kind == "transactions" else ingest.prepare_responses
    day = applied.dayfirst if dayfirst is None else dayfirst
    inner = func(frame.loc[keep], full, dayfirst=day)
    return _assemble(raw, rows, applied, inner, (full, shown))


def _assemble(
    raw: pd.DataFrame, rows: np.ndarray, applied: Applied, inner: Any, mappings: tuple
) -> Any:
    """Return the prepare function's result over every row of the file.

    The set-aside rows are the profile's and the prepare function's, in file order, as the
    file wrote them; the reasons count both; the notes start with the recognition sentence.
    """
    from analysis import ingest  # lazy: ingest may import this module

    full, shown = mappings
    keep = applied.set_aside == ""
    reasons = applied.set_aside.astype(object).copy()
    inner_rej = inner.rejected
    if len(inner_rej):
        pos = pd.Index(rows).get_indexer(inner_rej["row"].to_numpy())
        reasons[pos] = inner_rej["reason"].astype(str).to_numpy()
    plain = raw.copy(deep=False)
    plain.attrs = {}
    rejected = _rejected_table(plain, rows, reasons)
    by_reason = dict(Counter(applied.set_aside[~keep].tolist()).most_common())
    for r, k in inner.report.get("rejected_by_reason", {}).items():
        by_reason[r] = by_reason.get(r, 0) + k
    warnings = _warnings(raw, applied, inner, int(keep.sum()), by_reason)
    report = _report(
        inner,
        applied,
        full,
        shown,
        rows_read=len(raw),
        rows_used=len(inner.data),
        rows_rejected=len(rejected),
        rejected_by_reason=by_reason,
    )
    return ingest.Prepared(inner.data, rejected, warnings, shown, report, inner.anonymous)


# ---------------------------------------------------------------------------------------------
# files no profile knows: header words in other languages, total rows
# ---------------------------------------------------------------------------------------------

HEADER_WORDS: Mapping[str, str] = MappingProxyType(
    {
        # German
        "kunde": "customer",
        "kunden": "customer",
        "kundennummer": "customer number",
        "kundennr": "customer number",
        "kundenname": "customer name",
        "käufer": "buyer",
        "datum": "date",
        "bestelldatum": "order date",
        "rechnungsdatum": "invoice date",
        "belegdatum": "receipt date",
        "buchungsdatum": "posting date",
        "lieferdatum": "delivery date",
        "geburtsdatum": "birth date",
        "betrag": "amount",
        "gesamtbetrag": "total amount",
        "bruttobetrag": "gross amount",
        "nettobetrag": "net amount",
        "rechnungsbetrag": "invoice amount",
        "endbetrag": "total amount",
        "umsatz": "revenue",
        "summe": "sum",
        "bestellung": "order",
        "bestellnummer": "order number",
        "bestellnr": "order number",
        "auftragsnummer": "order number",
        "rechnung": "invoice",
        "rechnungsnummer": "invoice number",
        "rechnungsnr": "invoice number",
        "beleg": "receipt",
        "belegnummer": "receipt number",
        "bon": "receipt",
        "bonnummer": "receipt number",
        "artikel": "product",
        "artikelbezeichnung": "product name",
        "artikelnummer": "product number",
        "bezeichnung": "description",
        "menge": "quantity",
        "anzahl": "quantity",
        "preis": "price",
        "einzelpreis": "unit price",
        "stückpreis": "unit price",
        "verkaufspreis": "selling price",
        "warengruppe": "category",
        "kategorie": "category",
        "land": "country",
        "mwst": "vat",
        "mehrwertsteuer": "vat",
        "ust": "vat",
        "rabatt": "discount",
        "versandkosten": "shipping",
        "zahlungsart": "payment method",
        "nummer": "number",
        "nr": "number",
        # French
        "commande": "order",
        "facture": "invoice",
        "montant": "amount",
        "numéro": "number",
        "numero": "number",
        "quantité": "quantity",
        "prix": "price",
        "unitaire": "unit",
        "produit": "product",
        "pays": "country",
        "catégorie": "category",
        "tva": "vat",
        "remise": "discount",
        "livraison": "delivery",
        # Spanish
        "cliente": "customer",
        "fecha": "date",
        "importe": "amount",
        "monto": "amount",
        "pedido": "order",
        "factura": "invoice",
        "número": "number",
        "cantidad": "quantity",
        "precio": "price",
        "producto": "product",
        "país": "country",
        "categoría": "category",
        "iva": "vat",
        "descuento": "discount",
        # Italian
        "importo": "amount",
        "ordine": "order",
        "fattura": "invoice",
        "quantità": "quantity",
        "prezzo": "price",
        "prodotto": "product",
        "paese": "country",
        "categoria": "category",
        "sconto": "discount",
        # Dutch
        "klant": "customer",
        "klantnummer": "customer number",
        "klantnaam": "customer name",
        "bedrag": "amount",
        "totaalbedrag": "total amount",
        "totaal": "total",
        "bestelling": "order",
        "bestelnummer": "order number",
        "ordernummer": "order number",
        "factuur": "invoice",
        "factuurnummer": "invoice number",
        "factuurdatum": "invoice date",
        "besteldatum": "order date",
        "orderdatum": "order date",
        "aantal": "quantity",
        "prijs": "price",
        "stuksprijs": "unit price",
        "categorie": "category",
        "btw": "vat",
        "korting": "discount",
        # Portuguese
        "valor": "value",
        "fatura": "invoice",
        "quantidade": "quantity",
        "preço": "price",
        "produto": "product",
        # Polish
        "klient": "customer",
        "kwota": "amount",
        "zamówienie": "order",
        "zamowienie": "order",
        "zamówienia": "order",
        "numer": "number",
        "ilość": "quantity",
        "ilosc": "quantity",
        "cena": "price",
        "produkt": "product",
        "kraj": "country",
        "kategoria": "category",
        "wartość": "value",
        "rabat": "discount",
        # Nordic
        "kund": "customer",
        "kundnummer": "customer number",
        "asiakas": "customer",
        "asiakasnumero": "customer number",
        "dato": "date",
        "päivämäärä": "date",
        "pvm": "date",
        "beløb": "amount",
        "beløp": "amount",
        "belopp": "amount",
        "summa": "sum",
        "totalbelopp": "total amount",
        "ordre": "order",
        "ordrenummer": "order number",
        "tilaus": "order",
        "fakturanummer": "invoice number",
        "fakturadatum": "invoice date",
        "lasku": "invoice",
        "antal": "quantity",
        "antall": "quantity",
        "määrä": "quantity",
        "pris": "price",
        "hinta": "price",
        "vare": "product",
        "vara": "product",
        "tuote": "product",
        "maa": "country",
        "moms": "vat",
        "mva": "vat",
        "alv": "vat",
    }
)
"""Header words in German, French, Spanish, Italian, Dutch, Portuguese, Polish and the Nordic
languages -> the English words detection scores (lower case, as normalised headers are)."""

_PHRASES = (
    ("prix unitaire", "unit price"),
    ("precio unitario", "unit price"),
    ("prezzo unitario", "unit price"),
    ("preço unitário", "unit price"),
    ("preco unitario", "unit price"),
    ("cena jednostkowa", "unit price"),
    ("valor total", "total amount"),
    ("nota fiscal", "invoice"),
)
_FOREIGN_DATE = frozenset({"data"})  # "data" is a date in Italian, Portuguese and Polish


def translate_header(norm: str) -> str:
    """Translate a normalised header's foreign words into English ("bestellnummer").

    Parameters
    ----------
    norm : str
        A header already normalised to lower-case words (``_normalise_header`` in ingest).

    Returns
    -------
    str
        The header with each known foreign word replaced; words it does not know are kept.
        "data" becomes "date" only when it is the whole header or stands beside another
        foreign word ("data zamówienia"), as "data" is also an English word.
    """
    phrased = f" {norm} "
    for phrase, english in _PHRASES:
        phrased = phrased.replace(f" {phrase} ", f" {english} ")
    foreign_phrase = phrased.strip() != norm
    words = phrased.split()
    out = [HEADER_WORDS.get(w, w) for w in words]
    foreign = foreign_phrase or any(HEADER_WORDS.get(w) is not None for w in words)
    if (foreign or len(words) == 1) and any(w in _FOREIGN_DATE for w in words):
        out = ["date" if w in _FOREIGN_DATE else o for w, o in zip(words, out, strict=True)]
    return " ".join(out)


_TOTAL_RE = re.compile(
    r"^(?:grand\s+)?totals?(?:\s+(?:for|of)\b.*)?$|^sum$|^summe$|^gesamt(?:summe)?$|"
    r"^zwischensumme$|^subtotal$|^totaal$|^totale$|^totalt$|^summa$|^suma$|^razem$|"
    r"^yhteens[äa]$|^total\s+g[ée]n[ée]ral$|^insgesamt$",
    re.IGNORECASE,
)


def total_rows(raw: pd.DataFrame, date_column: Any | None = None) -> np.ndarray:
    """Rows that are a report's total or subtotal line, not a sale.

    Parameters
    ----------
    raw : pd.DataFrame
        A text table.
    date_column : column, optional
        The date column: a row counts only when its date cell is empty (a sale labelled
        "Total" by a customer of that name still has its date).

    Returns
    -------
    np.ndarray
        One bool per row: its first non-empty cell is "Total", "Summe", "Gesamt", "Totaal",
        "Totale", "Summa", "Suma", "Razem", "Yhteensä", "Total for <group>", ...
    """
    n = len(raw)
    first = pd.Series([""] * n, index=raw.index, dtype=object)
    found = np.zeros(n, dtype=bool)
    for c in raw.columns:
        t = _text(raw, c)
        take = ~found & (t != "").to_numpy(bool)
        if take.any():
            first[take] = t[take]
            found |= take
        if found.all():
            break
    hit = first.astype(str).str.match(_TOTAL_RE).to_numpy(bool)
    if date_column is not None and date_column in raw.columns:
        hit = hit & (_text(raw, date_column) == "").to_numpy(bool)
    return hit


PLACEHOLDER_CUSTOMERS: frozenset[str] = frozenset(
    [
        "guest",
        "guests",
        "guest checkout",
        "guest customer",
        "walk-in",
        "walk in",
        "walkin",
        "walk-in customer",
        "walk in customer",
        "cash",
        "cash customer",
        "cash sale",
        "anonymous",
        "anon",
        "unknown",
        "unknown customer",
        "no customer",
        "not provided",
        "laufkunde",
        "barverkauf",
        "barkunde",
        "gast",
        "gastkunde",
        "anonym",
        "unbekannt",
        "client de passage",
        "anonyme",
        "cliente de paso",
        "cliente genérico",
        "cliente generico",
        "anónimo",
        "anonimo",
        "passant",
        "kontantkund",
        "kontantkunde",
    ]
)
"""Customer cells that name no customer (compared trimmed and case-insensitively)."""


def placeholder_customers(customers: pd.Series) -> np.ndarray:
    """Which customer cells are a placeholder ("Walk-in", "Guest", "Cash customer", ...).

    Parameters
    ----------
    customers : pd.Series
        The customer column as text (missing values allowed).

    Returns
    -------
    np.ndarray
        One bool per cell. Empty cells and "N/A", "-" are not counted here: the prepare
        functions already treat them as missing.
    """
    t = customers.astype(object).where(customers.notna(), "").astype(str).str.strip()
    return t.str.casefold().isin(PLACEHOLDER_CUSTOMERS).to_numpy(bool)


_SUBHEADER_WORDS = frozenset({"response", "open-ended response"})


def name_subheader_columns(names: list[str], first_row: list[str]) -> list[str] | None:
    """Names for the unnamed columns of a SurveyMonkey-style two-row header, or None.

    SurveyMonkey writes a question's text over its first column only; the row under the
    header names each column's answer option ("Coffee", "Tea", ...) or says "Response" /
    "Open-Ended Response". Such a file would otherwise be refused for its unnamed columns.

    Parameters
    ----------
    names : list[str]
        The header row's names ("" for an empty cell), one per column.
    first_row : list[str]
        The row under the header, one cell per column.

    Returns
    -------
    list[str] or None
        The names with each multi-column question's columns called "<question> - <option>"
        (made unique), or None when the header is not of that kind (then nothing changes).
    """
    if len(first_row) < len(names):
        first_row = list(first_row) + [""] * (len(names) - len(first_row))
    normed = {_norm(n) for n in names if n}
    if not {"respondent id", "collector id"} <= normed:
        return None
    below = [str(v).strip() for v in first_row[: len(names)]]
    if not any(v.casefold() in _SUBHEADER_WORDS for v in below):
        return None
    blanks = [i for i, n in enumerate(names) if not n]
    if not blanks or any(not below[i] for i in blanks):
        return None
    out = list(names)
    last = None
    for i, n in enumerate(names):
        if n:
            last = i
            continue
        if last is None:
            return None
        if out[last] == names[last]:  # the question's first column names its first option
            out[last] = f"{names[last]} - {below[last]}" if below[last] else names[last]
        out[i] = f"{names[last]} - {below[i]}"
    seen: dict[str, int] = {}
    for i, n in enumerate(out):
        k = seen.get(n, 0)
        seen[n] = k + 1
        if k:
            out[i] = f"{n} ({k + 1})"
    return out


def name_group_column(names: list[str]) -> list[str] | None:
    """Name the unnamed first column of a known grouped report, or return None.

    QuickBooks' "Sales by Customer Detail" leaves the header cell of its first column empty:
    that column holds the customers' names (group headings) and "Total for ..." rows. Such
    a file would otherwise be refused for its unnamed column.

    Parameters
    ----------
    names : list[str]
        The header row's names ("" for an empty cell), one per column.

    Returns
    -------
    list[str] or None
        The names with the first one set to the profile's group column ("Customer"), when
        the first name is empty, no other is, and the others hold a grouped report's
        signature; otherwise None (then nothing changes).
    """
    if not names or names[0] or not all(names[1:]):
        return None
    normed = {_norm(n) for n in names[1:]}
    for p in PROFILES:
        if p.groups is not None and _norm(p.groups) not in normed:
            if all(_norm(c) in normed for c in p.signature):
                return [p.groups, *names[1:]]
    return None


def known_header_row(rows: list[list[str]], limit: int = 30) -> int | None:
    """Return the index of the first row that is a known export's header, or None.

    A report with a title block and many one-cell rows (QuickBooks' customer headings) can
    look narrower than its header to a guess by row widths; a row that holds a profile's
    whole signature is the header.

    Parameters
    ----------
    rows : list[list[str]]
        The first rows of the file, cells already stripped.
    limit : int
        How many rows to look at.
    """
    for i, r in enumerate(rows[:limit]):
        head = r[:_HEADER_CELLS]  # known exports name their signature columns early
        if sum(1 for c in head if c) >= 2 and match_profile(head) is not None:
            return i
    return None


_HEADER_CELLS = 300
