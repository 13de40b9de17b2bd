"""What the action plan says, one plain sentence per list."""

from __future__ import annotations

from analysis.actions.plan import ActionPlan
from analysis.core.text import money, plural

__all__ = ["describe_action_plan"]


def describe_action_plan(plan: ActionPlan) -> list[str]:
    """Say in one plain sentence per list (most money first) who to contact, then the notes.

    Parameters
    ----------
    plan : ActionPlan
        From :func:`~analysis.actions.lists.action_lists`.

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
        out.append(
            f"**{item.title}**: {plural(item.size, 'customer')} {they} spent "
            f"{money(item.value_at_stake)} with you so far (net of refunds). {item.action}"
        )
    return out + list(plan.notes)
