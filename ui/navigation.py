"""The app's pages: one table shared by app.py, the browser tests and the load benchmark."""

from __future__ import annotations

from typing import NamedTuple


class PageSpec(NamedTuple):
    section: str
    path: str
    title: str
    icon: str


# The first page is the default one.
PAGE_TABLE = [
    PageSpec("Start here", "pages/actions.py", "What to do now", ":material/task_alt:"),
    PageSpec("Start here", "pages/overview.py", "Overview", ":material/dashboard:"),
    PageSpec("Start here", "pages/data.py", "Your data", ":material/table_view:"),
    PageSpec("Start here", "pages/connect.py", "Connect your data", ":material/database:"),
    PageSpec("Customers", "pages/rfm.py", "RFM segments", ":material/group:"),
    PageSpec("Customers", "pages/cohorts.py", "Cohort retention", ":material/grid_on:"),
    PageSpec("Customers", "pages/value.py", "Customer value", ":material/savings:"),
    PageSpec("Customers", "pages/feedback.py", "Customer feedback", ":material/reviews:"),
    PageSpec("Customers", "pages/patterns.py", "Purchase patterns", ":material/shopping_basket:"),
    PageSpec("Customers", "pages/profile.py", "Customer profile", ":material/person_search:"),
    PageSpec("Share", "pages/report.py", "Report & export", ":material/description:"),
]


def available_pages() -> list[PageSpec]:
    """Every page of the app, in navigation order (a missing file fails loudly in st.Page)."""
    return list(PAGE_TABLE)
