"""What the action plan says, one plain sentence per list."""

from __future__ import annotations

from analysis.actions.plan import ActionPlan
from analysis.core.text import money, plural

__all__ = ["describe_action_plan"]


def describe_action_plan(plan: ActionPlan, currency: str | None = None) -> list[str]:
    """Say in one plain sentence per list (most money first) who to contact, then the notes.

    Parameters
    ----------
    plan : ActionPlan
        From :func:`~analysis.actions.lists.action_lists`.
    currency : str or None
        ISO code (or symbol) of the file's money, written with each amount; None: plain numbers.

    Returns
    -------
    list of str
        Markdown sentences written here; values from the data are escaped.
    """
    out = []
    for item in plan.lists:
        if item.size == 0:
            out.append(f"**{item.title}**: nobody right now. {item.empty_reason}")
            continue
        they = "who has" if item.size == 1 else "who together have"
        stake = money(item.value_at_stake, currency).replace("$", r"\$")  # "$" starts a formula
        out.append(
            f"**{item.title}**: {plural(item.size, 'customer')} {they} spent {stake} with you "
            f"so far (net of refunds). {item.action}"
        )
    return out + list(plan.notes)
