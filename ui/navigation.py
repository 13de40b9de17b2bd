"""The app's pages: one table shared by app.py, the browser tests and the load benchmark."""

from __future__ import annotations

from typing import NamedTuple


class PageSpec(NamedTuple):
    """One page: its sidebar section, script path, title and Material icon."""

    section: str
    path: str
    title: str
    icon: str


# The first page is the default one.
PAGE_TABLE = [
    PageSpec("Start here", "app_pages/actions.py", "What to do now", ":material/task_alt:"),
    PageSpec("Start here", "app_pages/overview.py", "Overview", ":material/dashboard:"),
    PageSpec("Start here", "app_pages/data.py", "Your data", ":material/table_view:"),
    PageSpec("Start here", "app_pages/connect.py", "Connect your data", ":material/database:"),
    PageSpec("Customers", "app_pages/rfm.py", "RFM segments", ":material/group:"),
    PageSpec("Customers", "app_pages/cohorts.py", "Cohort retention", ":material/grid_on:"),
    PageSpec("Customers", "app_pages/value.py", "Customer value", ":material/savings:"),
    PageSpec("Customers", "app_pages/feedback.py", "Customer feedback", ":material/reviews:"),
    PageSpec(
        "Customers", "app_pages/patterns.py", "Purchase patterns", ":material/shopping_basket:"
    ),
    PageSpec("Customers", "app_pages/profile.py", "Customer profile", ":material/person_search:"),
    PageSpec("Share", "app_pages/report.py", "Report & export", ":material/description:"),
]


def available_pages() -> list[PageSpec]:
    """Every page of the app, in navigation order (a missing file fails loudly in st.Page)."""
    return list(PAGE_TABLE)
