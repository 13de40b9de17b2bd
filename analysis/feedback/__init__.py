"""Customer feedback: NPS, CSAT and CES with honest intervals, comment themes, behaviour.

Modules
-------
scores      NPS, CSAT and CES of one set of answers with their intervals; two NPS compared;
            the headline figures of a responses table (:func:`feedback_overview`)
breakdown   NPS by an attribute (each group against the rest) and over time
themes      comment themes (TF-IDF + NMF on clauses) with their size, NPS and examples
terms       words and phrases that set one group's comments apart (weighted log-odds)
behaviour   purchases after answering, by NPS group, and NPS by RFM segment
followup    the detractors to call back
describe    the results in plain sentences (``describe_<thing>(result) -> list[str]``)

Conventions used throughout (stated once, here):

- **NPS** (Net Promoter Score) comes from the 0-10 answer to "How likely are you to recommend
  us?": **promoters** answer 9-10, **passives** 7-8, **detractors** 0-6. NPS = percent
  promoters minus percent detractors, in **points** from -100 to 100, everywhere.
- Every NPS carries a 95% interval by the **adjusted-Wald** method (Rocks 2016): add 3/4 of a
  response to promoters and to detractors and 3 to n, take the adjusted
  shares ``p_P = (P + 0.75) / (n + 3)``, ``p_D = (D + 0.75) / (n + 3)``, and centre the
  interval on ``p_P - p_D`` with standard error ``sqrt((p_P + p_D - (p_P - p_D)**2) / (n + 3))``
  and z = :data:`analysis.core.stats.Z95` (1.95996...), clipped to [-100, 100]. Unlike the
  plain Wald interval it does not collapse to a single point for all-promoter samples and
  keeps close to 95% coverage for small n.
- Two NPS are compared (:func:`compare_nps`) by a two-sided z test on the plain (unadjusted)
  scores, standard error ``sqrt(var_a / n_a + var_b / n_b)``, ``var = p_P + p_D - (p_P - p_D)^2``.
- **CSAT** is the share of 4-5 answers on a 1-5 satisfaction scale (0..1) with a Wilson
  interval; **CES** the mean of a 1-7 effort scale (7 = very easy) with a t interval.
- "Significant" means p < 0.05; groups under 30 responses are flagged as **small**.
- Missing answers (NA) are left out of each figure; they are not counted as zero.

The responses table is the canonical one produced by ``analysis.ingest.prepare_responses``:
``response_date``, ``score`` (0-10), optional ``customer_id``, ``comment``, ``csat``, ``ces``
and other text columns used as breakdown attributes.
"""

from __future__ import annotations

from analysis.core.stats import Z95, wilson_interval
from analysis.feedback._common import CATEGORIES, SMALL_GROUP
from analysis.feedback.behaviour import BehaviourResult, behaviour_from_tables, feedback_behaviour
from analysis.feedback.breakdown import attribute_columns, nps_by, nps_trend
from analysis.feedback.describe import (
    behaviour_sentence,
    breakdown_sentence,
    describe_behaviour,
    describe_breakdown,
    describe_nps,
    describe_themes,
    describe_trend,
    nps_sentence,
    themes_sentence,
    trend_sentence,
)
from analysis.feedback.followup import detractor_followup
from analysis.feedback.scores import (
    CESSummary,
    CSATSummary,
    FeedbackOverview,
    NPSComparison,
    NPSSummary,
    ces_summary,
    compare_nps,
    csat_summary,
    feedback_overview,
    nps_category,
    nps_summary,
)
from analysis.feedback.terms import distinctive_terms
from analysis.feedback.themes import (
    CLAUSE_SPLIT,
    DOMAIN_STOP_WORDS,
    ThemeModel,
    ThemeResult,
    comment_themes,
    response_themes,
    split_clauses,
    theme_analysis,
)

__all__ = [
    "CATEGORIES",
    "CLAUSE_SPLIT",
    "DOMAIN_STOP_WORDS",
    "Z95",
    "SMALL_GROUP",
    "NPSSummary",
    "NPSComparison",
    "CSATSummary",
    "CESSummary",
    "FeedbackOverview",
    "ThemeModel",
    "ThemeResult",
    "split_clauses",
    "BehaviourResult",
    "nps_category",
    "nps_summary",
    "compare_nps",
    "nps_by",
    "nps_trend",
    "csat_summary",
    "ces_summary",
    "wilson_interval",
    "feedback_overview",
    "attribute_columns",
    "theme_analysis",
    "comment_themes",
    "response_themes",
    "distinctive_terms",
    "feedback_behaviour",
    "behaviour_from_tables",
    "detractor_followup",
    "nps_sentence",
    "describe_nps",
    "trend_sentence",
    "describe_trend",
    "breakdown_sentence",
    "describe_breakdown",
    "themes_sentence",
    "describe_themes",
    "behaviour_sentence",
    "describe_behaviour",
]
