"""Trial response definitions built on BILAG grades, and cohort classification.

A *response definition* turns one patient's BILAG grades over time into a
category: major clinical response (MCR), partial clinical response (PCR), a
plain responder (for yes/no definitions such as BICLA) or non-response (NR).
Each definition here is a documented rule set with its reference, and each
ambiguity in the published wording is resolved by a stated choice
(:attr:`ResponseDefinition.choices`), shown in the book's reference section and
pinned by a named test.

Two implementations give identical results:

* :func:`classify_patient` is the *reference*: plain Python, one patient at a
  time, written to be read by a student;
* :func:`classify_response` is *vectorised* over the whole cohort with NumPy
  and is the default; ``method="reference"`` runs the reference instead.

Rules shared by every definition
--------------------------------
The words are those of :mod:`lupus_teach.vocabulary`.

* In the response rules a **new score** (new A, new B) is judged against
  baseline: a new A is a system graded A at a visit that was not A at
  baseline; a new B is a system graded B that was C, D or E at baseline (A to
  B is an improvement), as in EXPLORER and BICLA. Judged this way, making any
  later grade milder can never make a response worse.
* A **relapse** after a response (``relapse_month``) is judged against the
  previous scheduled visit present: the first later visit with a system newly
  A or newly B compared with the visit before. It does not change the response.
* **Entry rule.** A patient without active disease at entry (no A and fewer
  than two B at baseline) is NR with a reason saying so.
* **Index version.** Each definition records the BILAG version it was written
  for (:attr:`ResponseDefinition.index`); applied to the other version it runs
  and the ``note`` column says so.
* **Missing visits are never good.** A visit the rule needs (baseline, and
  the month at which the response is judged or confirmed) that is missing
  makes that route fail, which usually gives NR (non-responder imputation).
  Visits a rule only scans for flares are scanned where present, and the
  ``note`` column lists every missing scheduled visit so that nothing is
  hidden.
* Visits at months outside the definition's schedule are not used; the
  ``note`` column lists them.

Examples
--------
>>> import pandas as pd
>>> from lupus_teach.bilag import system_names
>>> rows = []
>>> for month in (0, 1, 3, 6, 9, 12):
...     for system in system_names("classic"):
...         grade = "A" if (system == "renal" and month == 0) else "C"
...         rows.append(("p1", month, system, grade))
>>> visits = pd.DataFrame(rows, columns=["patient_id", "month", "system", "grade"])
>>> result = classify_response(visits, "wang2014")
>>> result.loc[0, "response"], int(result.loc[0, "deciding_month"])
('MCR', 6)
>>> print(result.loc[0, "reason"])
MCR: BILAG C or better in every system at month 6, and no new A score at months 1 to 6
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from lupus_teach.bilag import ACTIVITY, IndexVersion, parse_grade, system_names
from lupus_teach.errors import UnknownNameError
from lupus_teach.visits import bilag_index_of, read_visits

if TYPE_CHECKING:  # lupus_teach.windows imports Choice from here
    from lupus_teach.windows import VisitWindows, WindowedVisits

__all__ = [
    "DEFINITIONS",
    "INDEX_CHOICES",
    "Choice",
    "PatientResponse",
    "ResponseCategory",
    "ResponseDefinition",
    "active_at_entry",
    "classify_patient",
    "classify_response",
    "console_notes",
    "definitions_markdown",
    "get_definition",
    "index_note",
    "reason_text",
    "shared_rules",
]


class ResponseCategory(StrEnum):
    """Response categories, best first.

    ``RESPONDER`` is used by yes/no definitions (BICLA) that have no
    major/partial split.
    """

    MCR = "MCR"
    PCR = "PCR"
    RESPONDER = "responder"
    NR = "NR"

    @property
    def label(self) -> str:
        """Plain-English name."""
        return {
            "MCR": "major clinical response",
            "PCR": "partial clinical response",
            "responder": "responder",
            "NR": "non-response",
        }[self.value]


@dataclass(frozen=True)
class Choice:
    """One ambiguity in a definition's published wording and the reading chosen."""

    question: str
    choice: str
    test: str


@dataclass(frozen=True)
class ResponseDefinition:
    """A named response definition.

    Attributes
    ----------
    name : str
        Name used to choose it (``"wang2014"``).
    title : str
        Human title.
    schedule : tuple of int
        The visit months the rules read.
    categories : tuple of ResponseCategory
        Categories the definition can give.
    rules : tuple of str
        The rules in words, one per category route.
    reference : str
        Where the definition comes from.
    choices : tuple of Choice
        How ambiguities were resolved (each pinned by the named test).
    index : IndexVersion or None
        The BILAG version the definition was written for (None: either).
    """

    name: str
    title: str
    schedule: tuple[int, ...]
    categories: tuple[ResponseCategory, ...]
    rules: tuple[str, ...]
    reference: str
    choices: tuple[Choice, ...] = field(default_factory=tuple)
    index: IndexVersion | None = None

    def choices_frame(self) -> pd.DataFrame:
        """The choices as a table (question, choice, test)."""
        return pd.DataFrame(
            [(self.name, c.question, c.choice, c.test) for c in self.choices],
            columns=["definition", "question", "choice", "test"],
        )


_STUDY_SCHEDULE = (0, 1, 3, 6, 9, 12)

_COMMON_CHOICES = (
    Choice(
        "Is a 'new' A or B judged against baseline or against the previous visit?",
        "Against baseline in the response rules (as EXPLORER and BICLA do), so making a "
        "later grade milder can never make a response worse; a relapse after a response "
        "is judged against the previous visit, so a system that improves and then flares "
        "again is caught.",
        "test_new_a_is_judged_against_baseline",
    ),
    Choice(
        "What happens when a visit is missing?",
        "A visit the rule needs (baseline, the month the response is judged or "
        "confirmed) that is missing fails that route, so the patient is not counted "
        "as responding by it; visits only scanned for flares are scanned where present; "
        "the note column lists every missing visit.",
        "test_missing_decision_visit_is_not_a_response",
    ),
    Choice(
        "A patient with no active disease at baseline (no A and fewer than two B)?",
        "NR, decided at month 0, with a reason saying the entry rule (at least one A or two B "
        "at baseline, as EXPLORER and BICLA trials enrolled) is not met; no separate "
        "'not evaluable' category, so every response rate keeps the whole cohort as its "
        "denominator and such a patient is never counted as responding.",
        "test_no_active_disease_at_baseline_is_not_a_responder",
    ),
    Choice(
        "A definition applied to data of the other BILAG version?",
        "It runs (new scores are judged the same way on both versions) and says so: the note "
        "column and the console of `classify` and `report` name the version the definition "
        "was written for.",
        "test_definition_on_other_index_says_so",
    ),
)

_RELAPSE_CHOICE = Choice(
    "A relapse judged against the previous visit on classic BILAG data: what of a system that "
    "goes A, then C, then B?",
    "It is counted as a relapse at the B visit. Isenberg describes this as an artefact of the "
    "classic index ('the false impression of an extra flare', which BILAG-2004 makes unlikely); "
    "the package reports the relapse as the grades give it and the lessons point the artefact "
    "out.",
    "test_relapse_a_c_b_artefact_is_counted",
)

DEFINITIONS: dict[str, ResponseDefinition] = {
    d.name: d
    for d in [
        ResponseDefinition(
            name="wang2014",
            title="UC-MSC multicenter study (Wang et al. 2014)",
            schedule=_STUDY_SCHEDULE,
            categories=(ResponseCategory.MCR, ResponseCategory.PCR, ResponseCategory.NR),
            rules=(
                "MCR: BILAG C or better (C, D or E) in every system at month 6, and no new "
                "A score (the paraphrase's 'no severe flares') at any visit from month 1 to "
                "month 6.",
                "PCR, route 1: BILAG C or better in every system at month 3, and no new A "
                "or B score at months 1 and 3.",
                "PCR, route 2: at month 6 no system graded A and at most one graded B, and "
                "at most one system with a new A or B score at any visit from month 1 to "
                "month 12.",
                "NR: neither MCR nor PCR.",
                "Relapse (reported beside the response, which it does not change): in a "
                "responder, the first visit after the deciding month at which a system is "
                "newly A or newly B compared with the previous visit.",
            ),
            reference=(
                "Wang D, Li J, Zhang Y, et al. Umbilical cord mesenchymal stem cell "
                "transplantation in active and refractory systemic lupus erythematosus: a "
                "multicenter clinical study. Arthritis Res Ther 2014;16:R79. The paper's "
                "Methods wording was not available; these rules follow the paraphrase in "
                "the MedPage Today news report of the study, which describes a BILAG of "
                "eight systems (the classic index)."
            ),
            choices=(
                *_COMMON_CHOICES,
                Choice(
                    "'Scores of C for all body systems': exactly C, or C or better?",
                    "C or better (C, D or E): a system that is inactive (D) or never "
                    "involved (E) cannot be held against a responder.",
                    "test_wang_c_or_better_includes_d_and_e",
                ),
                Choice(
                    "'No severe flares at 6 months': at the month-6 visit only, or at any "
                    "visit up to month 6?",
                    "At any visit from month 1 to month 6 (a new A at month 3 that settles "
                    "by month 6 still rules out MCR).",
                    "test_wang_new_a_before_month_6_rules_out_mcr",
                ),
                Choice(
                    "'Maintaining the response throughout the 12-month study period' versus "
                    "the study's 'MCR -> relapse' patients.",
                    "MCR is decided at month 6. A new A or B score after that is reported as "
                    "a relapse (relapse_month), as the study reported relapses at 9 and 12 "
                    "months in patients who had responded; it does not remove the MCR.",
                    "test_wang_relapse_after_mcr_keeps_mcr",
                ),
                Choice(
                    "'No more than one new BILAG A or B score through 12 months': from "
                    "baseline or from month 6, and is a score counted once per visit?",
                    "From month 1 to month 12, counting systems: a system that is newly A or "
                    "B at several visits counts once.",
                    "test_wang_second_new_score_gives_nr",
                ),
                Choice(
                    "PCR route 1, 'C or better ... in the first 3 months': at every visit "
                    "to month 3, or at month 3?",
                    "C or better at month 3 only (month 1 may still show an A or B carried "
                    "from baseline); new A or B scores are barred at months 1 and 3.",
                    "test_wang_pcr_route_1_reads_month_3_only",
                ),
                Choice(
                    "Does PCR route 1 need the month-3 response to be maintained?",
                    "No: the paraphrase asks only for C or better and no new A or B in the "
                    "first 3 months; later loss is reported as a relapse.",
                    "test_wang_pcr_route_1_with_later_relapse",
                ),
                Choice(
                    "PCR route 2, 'no more than one BILAG B score at 6 months': may a system "
                    "be A at month 6?",
                    "No: route 2 also needs no A at month 6 (an A is more activity than the "
                    "B the wording limits).",
                    "test_wang_pcr_route_2_needs_no_a_at_6",
                ),
                _RELAPSE_CHOICE,
            ),
            index=IndexVersion.CLASSIC,
        ),
        ResponseDefinition(
            name="explorer",
            title="EXPLORER trial, adapted to the study's visits (Merrill et al. 2010)",
            schedule=_STUDY_SCHEDULE,
            categories=(ResponseCategory.MCR, ResponseCategory.PCR, ResponseCategory.NR),
            rules=(
                "EXPLORER flare (EXPLORER's 'moderate or severe flare'): at one visit, a new "
                "A in any system, or new B scores in two or more systems.",
                "MCR: BILAG C or better in every system at month 6 (week 24) with no "
                "EXPLORER flare from month 1 to month 6, maintained: C or better in every "
                "system at months 9 and 12 (to week 52); months 6, 9 and 12 must be present.",
                "PCR: no EXPLORER flare from month 1 to month 6, and at month 6 either (a) C "
                "or better in every system, (b) no A and at most one B, that B not a new "
                "score, or (c) no A and every B in a system that was A at baseline; "
                "maintained: at month 9 (about 16 weeks later) the patient still meets (a), "
                "(b) or (c).",
                "The response must hold without an EXPLORER flare to week 52: an EXPLORER "
                "flare at month 9 or 12 ends a partial response as well as a major one.",
                "NR: neither MCR nor PCR.",
                "Relapse (reported beside the response, which it does not change): in a "
                "responder, the first visit after month 6 at which a system is newly A or "
                "newly B compared with the previous visit.",
            ),
            reference=(
                "Merrill JT, Neuwelt CM, Wallace DJ, et al. Efficacy and safety of rituximab "
                "in moderately-to-severely active systemic lupus erythematosus: the "
                "randomized, double-blind, phase II/III systemic lupus erythematosus "
                "evaluation of rituximab trial. Arthritis Rheum 2010;62:222-233. Adapted: "
                "weeks 24 and 52 become months 6 and 12, and the 16-week maintenance is "
                "checked at month 9; the partial-response routes follow a summary of the "
                "paper, not its full text. Merrill JT, et al. Lupus 2011;20:709 (abstract): "
                "'The definition of response required reduced clinical activity without "
                "subsequent flares over 52 weeks'."
            ),
            choices=(
                *_COMMON_CHOICES,
                Choice(
                    "Weeks 24, 40 and 52 on a schedule of months 0, 1, 3, 6, 9, 12.",
                    "Week 24 is month 6, 16 weeks later is checked at month 9, week 52 is "
                    "month 12.",
                    "test_explorer_pcr_when_month_12_missing",
                ),
                Choice(
                    "Does an EXPLORER flare count new B scores at one visit or across "
                    "visits?",
                    "At one visit: a new B at month 1 and another at month 3 are not an "
                    "EXPLORER flare.",
                    "test_explorer_flare_counts_new_b_at_one_visit",
                ),
                Choice(
                    "PCR (b), 'at most one B at week 24 with no new A/B': may that B be a new "
                    "score?",
                    "No, following the published summary: the one B at month 6 (and at the "
                    "month-9 check) must have been A or B at baseline.",
                    "test_explorer_pcr_one_b_must_not_be_new",
                ),
                Choice(
                    "PCR (c): how many baseline-A systems may be B at week 24?",
                    "Any number, as long as every B at month 6 was A at baseline and no "
                    "system is A.",
                    "test_explorer_pcr_c_any_number_of_baseline_a_at_b",
                ),
                Choice(
                    "'Without subsequent flares over 52 weeks': does an EXPLORER flare after "
                    "week 24 end a partial response?",
                    "Yes: an EXPLORER flare at month 9 or 12 gives NR, for a major or a "
                    "partial response (Merrill 2011).",
                    "test_explorer_flare_at_month_12_is_nr",
                ),
                _RELAPSE_CHOICE,
            ),
            index=IndexVersion.CLASSIC,
        ),
        ResponseDefinition(
            name="bicla",
            title="BICLA, BILAG part only (Wallace et al. 2014)",
            schedule=(0, 12),
            categories=(ResponseCategory.RESPONDER, ResponseCategory.NR),
            rules=(
                "Responder: at month 12 compared with baseline, every system graded A at "
                "baseline is B or better, every system graded B at baseline is C or better, "
                "no system has a new A, and at most one has a new B.",
                "Not assessed (not in BILAG data): no worsening of SLEDAI-2K, physician "
                "global assessment worsened by less than 10%, no treatment failure.",
                "NR: otherwise.",
                "When the data also have SLEDAI-2K (sledai or sledai_<descriptor> columns) "
                "and pga columns, `bicla` applies the full definition instead (bicla_full).",
            ),
            reference=(
                "Wallace DJ, Kalunian K, Petri MA, et al. Efficacy and safety of epratuzumab "
                "in patients with moderate/severe active systemic lupus erythematosus: results "
                "from EMBLEM. Ann Rheum Dis 2014;73:183-190 (BICLA)."
            ),
            choices=(
                *_COMMON_CHOICES[2:],
                Choice(
                    "BICLA has five parts; BILAG data carry only two.",
                    "Only the BILAG part is computed, and every reason says so.",
                    "test_bicla_reason_says_bilag_part_only",
                ),
                Choice(
                    "When is BICLA judged?",
                    "At month 12 against baseline (the usual week-52 endpoint).",
                    "test_bicla_judged_at_month_12_against_baseline",
                ),
            ),
            index=IndexVersion.BILAG2004,
        ),
    ]
}
"""Response definitions by name."""


def get_definition(name: str | ResponseDefinition) -> ResponseDefinition:
    """Look up a response definition by name.

    Examples
    --------
    >>> get_definition("wang2014").schedule
    (0, 1, 3, 6, 9, 12)
    >>> get_definition("sri4").title
    'SLE Responder Index, SRI-4 (Furie et al. 2009)'
    >>> get_definition("sri9")
    Traceback (most recent call last):
    ...
    lupus_teach.errors.UnknownNameError: 'sri9' is not a known response definition. ...
    """
    if isinstance(name, ResponseDefinition):
        return name
    found = DEFINITIONS.get(name) or COMPOSITE_DEFINITIONS.get(name)
    if found is None:
        raise UnknownNameError("response definition", name,
                               [*DEFINITIONS, *COMPOSITE_DEFINITIONS]) from None
    return found


# --------------------------------------------------------------------------
# Reasons: one template per decision code, shared by both implementations
# --------------------------------------------------------------------------

_REASONS: dict[str, tuple[ResponseCategory, str]] = {
    # every definition
    "no_baseline": (ResponseCategory.NR,
                    "NR: no baseline visit (month 0), so change cannot be judged"),
    "b_no_baseline": (ResponseCategory.NR,
                      "NR (BICLA, BILAG part only): no baseline visit (month 0), so change "
                      "cannot be judged"),
    "no_active_disease": (ResponseCategory.NR,
                          "NR: no active disease at entry (no A and fewer than two B at "
                          "baseline), so the entry rule is not met"),
    "b_no_active_disease": (ResponseCategory.NR,
                            "NR (BICLA, BILAG part only): no active disease at entry (no A "
                            "and fewer than two B at baseline), so the entry rule is not met"),
    # wang2014
    "w_mcr": (ResponseCategory.MCR,
              "MCR: BILAG C or better in every system at month {month}, and no new A score "
              "at months 1 to {month}"),
    "w_pcr_c3": (ResponseCategory.PCR,
                 "PCR: BILAG C or better in every system at month {month}, and no new A or B "
                 "score at months 1 and 3"),
    "w_pcr_b6": (ResponseCategory.PCR,
                 "PCR: at month {month} no system is A and at most one is B ({system}), with "
                 "at most one new A or B score through month 12"),
    "w_missing_6": (ResponseCategory.NR,
                    "NR: no visit at month {month}, and a missing visit never counts as a "
                    "response"),
    "w_a_at_6": (ResponseCategory.NR,
                 "NR: BILAG A in {system} at month {month}; no A is allowed at month 6"),
    "w_two_b_at_6": (ResponseCategory.NR,
                     "NR: BILAG B in {systems} at month {month}; at most one B is allowed"),
    "w_second_flare": (ResponseCategory.NR,
                       "NR: new {grade} score in {system} at month {month}, the second system "
                       "with a new A or B score"),
    # explorer
    "x_mcr": (ResponseCategory.MCR,
              "MCR: BILAG C or better in every system at month {month} with no EXPLORER "
              "flare, and still C or better at months 9 and 12"),
    "x_pcr_c": (ResponseCategory.PCR,
                "PCR: BILAG C or better in every system at month {month} with no EXPLORER "
                "flare, still within the partial-response limits at month 9, and no EXPLORER "
                "flare to month 12"),
    "x_pcr_one_b": (ResponseCategory.PCR,
                    "PCR: no A and one B, not a new score ({system}), at month {month} with no "
                    "EXPLORER flare, still within the partial-response limits at month 9, and "
                    "no EXPLORER flare to month 12"),
    "x_pcr_a_to_b": (ResponseCategory.PCR,
                     "PCR: baseline A improved to B ({systems}) at month {month} with no "
                     "EXPLORER flare, still within the partial-response limits at month 9, "
                     "and no EXPLORER flare to month 12"),
    "x_missing_6": (ResponseCategory.NR,
                    "NR: no visit at month {month} (week 24), and a missing visit never "
                    "counts as a response"),
    "x_severe_flare": (ResponseCategory.NR,
                       "NR: EXPLORER flare at month {month}: new A score in {system}"),
    "x_moderate_flare": (ResponseCategory.NR,
                         "NR: EXPLORER flare at month {month}: new B scores in {systems}"),
    "x_a_at_6": (ResponseCategory.NR,
                 "NR: BILAG A in {system} at month {month}; no A is allowed at week 24"),
    "x_new_b_at_6": (ResponseCategory.NR,
                     "NR: new B score in {system} at month {month}; the one B allowed at "
                     "week 24 must not be a new score"),
    "x_b_at_6": (ResponseCategory.NR,
                 "NR: BILAG B in {systems} at month {month}; at most one B is allowed unless "
                 "each was A at baseline"),
    "x_missing_9": (ResponseCategory.NR,
                    "NR: no visit at month {month} to show the response was maintained"),
    "x_not_maintained": (ResponseCategory.NR,
                         "NR: {grade_text} in {system} at month {month}, so the response "
                         "was not maintained"),
    # bicla
    "b_responder": (ResponseCategory.RESPONDER,
                    "responder (BICLA, BILAG part only): at month {month} every baseline A "
                    "and B improved, no new A and at most one new B"),
    "b_missing_12": (ResponseCategory.NR,
                     "NR (BICLA, BILAG part only): no visit at month {month}"),
    "b_persistent_a": (ResponseCategory.NR,
                       "NR (BICLA, BILAG part only): {system} was A at baseline and is still "
                       "A at month {month}"),
    "b_persistent_b": (ResponseCategory.NR,
                       "NR (BICLA, BILAG part only): {system} was B at baseline and is "
                       "{grade} at month {month}, not C or better"),
    "b_new_a": (ResponseCategory.NR,
                "NR (BICLA, BILAG part only): new BILAG A in {system} at month {month} "
                "compared with baseline"),
    "b_new_b": (ResponseCategory.NR,
                "NR (BICLA, BILAG part only): new BILAG B in {systems} at month {month}; at "
                "most one new B is allowed"),
}



def reason_text(
    code: str,
    month: int | float,
    systems: Sequence[str] = (),
    grade: str = "",
) -> str:
    """Fill the reason template of a decision code.

    Examples
    --------
    >>> print(reason_text("w_second_flare", 9, ["renal"], "A"))
    NR: new A score in renal at month 9, the second system with a new A or B score
    """
    template = _REASONS[code][1]
    month_text = str(int(month)) if float(month).is_integer() else str(month)
    return template.format(
        month=month_text,
        system=systems[0] if systems else "none",
        systems=" and ".join(systems) if systems else "none",
        grade=grade,
        grade_text=_GRADE_TEXT.get(grade, f"BILAG {grade}"),
    )


#: How x_not_maintained names what it found at month 9 ("N" marks a new B score).
_GRADE_TEXT = {"N": "new B score"}


# --------------------------------------------------------------------------
# The reference implementation: one patient, plain Python
# --------------------------------------------------------------------------



@dataclass(frozen=True)
class PatientResponse:
    """One patient's classification.

    Attributes
    ----------
    response : ResponseCategory
    deciding_month : int
        The visit that decided the category.
    reason : str
        A plain-English sentence naming the rule, visit and system.
    code : str
        The decision code (which rule fired).
    relapse_month : int or None
        For responders, the first later visit with a new A or B score.
    """

    response: ResponseCategory
    deciding_month: int
    reason: str
    code: str
    relapse_month: int | None = None


def _new_scores(
    grades: Mapping[int, Mapping[str, str]], schedule: Sequence[int], systems: Sequence[str]
) -> list[tuple[int, str, str]]:
    """Every new A or B score, as (month, system, grade), in time then system order.

    Each scheduled visit present is compared with the previous scheduled visit
    present.
    """
    events = []
    previous = None
    for month in schedule:
        if month not in grades:
            continue
        if previous is not None:
            for system in systems:
                before = ACTIVITY[grades[previous][system]]
                now = ACTIVITY[grades[month][system]]
                if now == 3 and before < 3:
                    events.append((month, system, "A"))
                elif now == 2 and before < 2:
                    events.append((month, system, "B"))
        previous = month
    return events


def _new_since(
    grades: Mapping[int, Mapping[str, str]],
    reference_month: int,
    months: Sequence[int],
    systems: Sequence[str],
) -> list[tuple[int, str, str]]:
    """Every new A or B compared with one reference visit, as (month, system, grade).

    Listed in time order, then in the index's system order.
    """
    events = []
    for month in months:
        if month not in grades or month == reference_month:
            continue
        for system in systems:
            before = ACTIVITY[grades[reference_month][system]]
            now = ACTIVITY[grades[month][system]]
            if now == 3 and before < 3:
                events.append((month, system, "A"))
            elif now == 2 and before < 2:
                events.append((month, system, "B"))
    return events


def _wang2014(grades: Mapping[int, Mapping[str, str]], systems: Sequence[str]) -> tuple:
    new = _new_since(grades, 0, _STUDY_SCHEDULE, systems)
    # MCR: C or better everywhere at month 6 and no new A at months 1-6.
    if 6 in grades:
        all_c_at_6 = all(ACTIVITY[grades[6][s]] <= 1 for s in systems)
        new_a_by_6 = any(m <= 6 and g == "A" for m, _, g in new)
        if all_c_at_6 and not new_a_by_6:
            return "w_mcr", 6, (), ""
    # PCR route 1: C or better everywhere at month 3 and no new A or B at months 1-3.
    if 3 in grades:
        all_c_at_3 = all(ACTIVITY[grades[3][s]] <= 1 for s in systems)
        new_by_3 = any(m <= 3 for m, _, _ in new)
        if all_c_at_3 and not new_by_3:
            return "w_pcr_c3", 3, (), ""
    # PCR route 2, and otherwise the reason it fails.
    if 6 not in grades:
        return "w_missing_6", 6, (), ""
    a_at_6 = [s for s in systems if grades[6][s] == "A"]
    b_at_6 = [s for s in systems if grades[6][s] == "B"]
    if a_at_6:
        return "w_a_at_6", 6, (a_at_6[0],), ""
    if len(b_at_6) > 1:
        return "w_two_b_at_6", 6, tuple(b_at_6), ""
    first_per_system: list[tuple[int, str, str]] = []
    for month, system, grade in new:
        if system not in {s for _, s, _ in first_per_system}:
            first_per_system.append((month, system, grade))
    if len(first_per_system) > 1:
        month, system, grade = first_per_system[1]
        return "w_second_flare", month, (system,), grade
    return "w_pcr_b6", 6, tuple(b_at_6), ""


def _explorer(grades: Mapping[int, Mapping[str, str]], systems: Sequence[str]) -> tuple:
    if 6 not in grades:
        return "x_missing_6", 6, (), ""
    new = _new_since(grades, 0, _STUDY_SCHEDULE, systems)
    # moderate or severe flares from month 1 to month 6, in time order
    for month in (1, 3, 6):
        at_visit = [(s, g) for m, s, g in new if m == month]
        new_a = [s for s, g in at_visit if g == "A"]
        new_b = [s for s, g in at_visit if g == "B"]
        if new_a:
            return "x_severe_flare", month, (new_a[0],), "A"
        if len(new_b) >= 2:
            return "x_moderate_flare", month, tuple(new_b), "B"
    at_6 = grades[6]
    a_at_6 = [s for s in systems if at_6[s] == "A"]
    b_at_6 = [s for s in systems if at_6[s] == "B"]
    if a_at_6:
        return "x_a_at_6", 6, (a_at_6[0],), ""
    b_not_from_a = [s for s in b_at_6 if grades[0][s] != "A"]
    if len(b_at_6) > 1 and b_not_from_a:
        return "x_b_at_6", 6, tuple(b_not_from_a), ""
    # PCR (b): the one B allowed must not be a new score (C, D or E at baseline)
    if len(b_at_6) == 1 and ACTIVITY[grades[0][b_at_6[0]]] <= 1:
        return "x_new_b_at_6", 6, tuple(b_at_6), ""
    if 9 not in grades:
        return "x_missing_9", 9, (), ""
    # maintained: month 9 still meets one of the month-6 conditions
    a_at_9 = [s for s in systems if grades[9][s] == "A"]
    if a_at_9:
        return "x_not_maintained", 9, (a_at_9[0],), "A"
    b_at_9 = [s for s in systems if grades[9][s] == "B"]
    b9_not_from_a = [s for s in b_at_9 if grades[0][s] != "A"]
    if len(b_at_9) > 1 and b9_not_from_a:
        return "x_not_maintained", 9, (b9_not_from_a[0],), "B"
    if len(b_at_9) == 1 and ACTIVITY[grades[0][b_at_9[0]]] <= 1:
        return "x_not_maintained", 9, tuple(b_at_9), "N"  # a new B score
    # no EXPLORER flare after week 24 either (month 9 is covered by the checks above)
    new_a_12 = [s for m, s, g in new if m == 12 and g == "A"]
    new_b_12 = [s for m, s, g in new if m == 12 and g == "B"]
    if new_a_12:
        return "x_severe_flare", 12, (new_a_12[0],), "A"
    if len(new_b_12) >= 2:
        return "x_moderate_flare", 12, tuple(new_b_12), "B"
    if not b_at_6:
        quiet_to_12 = 12 in grades and all(
            ACTIVITY[grades[m][s]] <= 1 for m in (9, 12) for s in systems
        )
        if quiet_to_12:
            return "x_mcr", 6, (), ""
        return "x_pcr_c", 6, (), ""
    if len(b_at_6) == 1:
        return "x_pcr_one_b", 6, tuple(b_at_6), ""
    return "x_pcr_a_to_b", 6, tuple(b_at_6), ""


def _bicla(grades: Mapping[int, Mapping[str, str]], systems: Sequence[str]) -> tuple:
    if 12 not in grades:
        return "b_missing_12", 12, (), ""
    base, end = grades[0], grades[12]
    for system in systems:
        if base[system] == "A" and end[system] == "A":
            return "b_persistent_a", 12, (system,), ""
    for system in systems:
        if base[system] == "B" and ACTIVITY[end[system]] >= 2:
            return "b_persistent_b", 12, (system,), end[system]
    for system in systems:
        if ACTIVITY[base[system]] <= 1 and end[system] == "A":
            return "b_new_a", 12, (system,), ""
    new_b = [s for s in systems if ACTIVITY[base[s]] <= 1 and end[s] == "B"]
    if len(new_b) > 1:
        return "b_new_b", 12, tuple(new_b), ""
    return "b_responder", 12, (), ""


#: The no-baseline decision code of each definition (BICLA says it is the BILAG part only).
_NO_BASELINE = {"bicla": "b_no_baseline"}

#: The entry-rule decision code of each definition (default ``"no_active_disease"``).
_NO_ACTIVE = {"bicla": "b_no_active_disease"}


def active_at_entry(baseline: Mapping[str, str]) -> bool:
    """Whether a baseline visit shows active disease: at least one A, or at least two B.

    A patient without it cannot respond under any definition
    (:data:`lupus_teach.vocabulary.ACTIVE_AT_ENTRY`).

    Examples
    --------
    >>> active_at_entry({"renal": "B", "general": "C"})
    False
    >>> active_at_entry({"renal": "B", "general": "B"}), active_at_entry({"renal": "A"})
    (True, True)
    """
    grades = [str(g) for g in baseline.values()]
    return "A" in grades or grades.count("B") >= 2


def _active_at_entry_vector(cube: _Cube) -> np.ndarray:
    """Boolean per patient: baseline has an A or at least two B (False without baseline)."""
    base = cube.activity[:, 0]
    return cube.present[:, 0] & (((base == 3).any(1)) | ((base == 2).sum(1) >= 2))

_REFERENCE_RULES: dict[str, Callable[[Mapping[int, Mapping[str, str]], Sequence[str]], tuple]] = {
    "wang2014": _wang2014,
    "explorer": _explorer,
    "bicla": _bicla,
}


def classify_patient(
    grades: Mapping[int, Mapping[str, object]],
    definition: str | ResponseDefinition = "wang2014",
    index: IndexVersion | str = IndexVersion.CLASSIC,
) -> PatientResponse:
    """Classify one patient (the reference implementation, plain Python).

    Parameters
    ----------
    grades : mapping of month to {system: grade}
        Each visit's grades, every system of the index present.
    definition : str
        A name from :data:`DEFINITIONS`.
    index : {"classic", "2004"}
        The BILAG version of the systems.

    Returns
    -------
    PatientResponse

    Examples
    --------
    >>> from lupus_teach.bilag import system_names
    >>> quiet = dict.fromkeys(system_names("classic"), "D")
    >>> history = {0: dict(quiet, renal="A"), 3: dict(quiet, renal="B"),
    ...            6: dict(quiet, renal="B"), 9: quiet, 12: quiet}
    >>> result = classify_patient(history, "wang2014")
    >>> result.response.value, result.deciding_month
    ('PCR', 6)
    >>> print(result.reason[:60])
    PCR: at month 6 no system is A and at most one is B (renal),
    """
    chosen = get_definition(definition)
    if chosen.name in COMPOSITE_DEFINITIONS:
        from lupus_teach.errors import DefinitionError

        raise DefinitionError(
            f"{chosen.name} needs SLEDAI-2K and the physician's global assessment besides the "
            "grades: use classify_response on a table with sledai and pga columns, or "
            "lupus_teach.composite.reference_rule for one patient.")
    systems = system_names(index)
    clean = {
        int(m) if float(m).is_integer() else m: {s: parse_grade(g).value for s, g in v.items()}
        for m, v in grades.items()
        if m in chosen.schedule
    }
    if 0 not in clean:
        code, month, named, grade = _NO_BASELINE.get(chosen.name, "no_baseline"), 0, (), ""
    elif not active_at_entry(clean[0]):
        code, month, named, grade = _NO_ACTIVE.get(chosen.name, "no_active_disease"), 0, (), ""
    else:
        code, month, named, grade = _REFERENCE_RULES[chosen.name](clean, systems)
    category = _REASONS[code][0]
    relapse = None
    if category is not ResponseCategory.NR and chosen.name != "bicla":
        later = [m for m, _, _ in _new_scores(clean, chosen.schedule, systems) if m > month]
        relapse = later[0] if later else None
    return PatientResponse(category, month, reason_text(code, month, named, grade), code, relapse)


# --------------------------------------------------------------------------
# The vectorised implementation
# --------------------------------------------------------------------------


@dataclass
class _Cube:
    """Activity of every patient, scheduled visit and system; -1 where missing."""

    patients: np.ndarray  # patient ids, in order of first appearance
    activity: np.ndarray  # int8 [patients, visits, systems]
    present: np.ndarray  # bool [patients, visits]
    months: tuple[int, ...]
    systems: tuple[str, ...]
    off_schedule: pd.Series  # patient -> sorted months not on the schedule


def _codes(column: pd.Series, categories: list[str]) -> np.ndarray:
    """Integer codes of a column in a fixed category order (fast for categoricals)."""
    if isinstance(column.dtype, pd.CategoricalDtype) and list(column.cat.categories) == categories:
        return column.cat.codes.to_numpy()
    return pd.Categorical(column, categories=categories).codes


def _build_cube(visits: pd.DataFrame, months: Sequence[int], systems: Sequence[str]) -> _Cube:
    from lupus_teach._codes import factorize

    pid_codes, patients = factorize(visits["patient_id"])
    month_values = visits["month"].to_numpy(dtype=float)
    month_pos = np.full(len(visits), -1, dtype=np.int64)
    for i, m in enumerate(months):
        month_pos[month_values == m] = i
    system_pos = _codes(visits["system"], list(systems))
    grade_codes = _codes(visits["grade"], ["A", "B", "C", "D", "E"])
    activity_of_code = np.array([3, 2, 1, 0, 0], dtype=np.int8)
    cube = np.full((len(patients), len(months), len(systems)), -1, dtype=np.int8)
    on = month_pos >= 0
    if on.all() and len(on) and pid_codes.min() >= 0 and system_pos.min() >= 0:
        # every row on the schedule: one flat position per row, one fancy assignment
        flat = (pid_codes.astype(np.int64) * len(months) + month_pos) * len(systems) + system_pos
        cube.reshape(-1)[flat] = activity_of_code[grade_codes]
    else:
        cube[pid_codes[on], month_pos[on], system_pos[on]] = activity_of_code[grade_codes[on]]
    present = (cube >= 0).all(axis=2)
    if (~on).any():
        off = pd.DataFrame({"pid": pid_codes[~on], "month": month_values[~on]})
        off_schedule = off.groupby("pid")["month"].agg(lambda s: tuple(sorted(set(s))))
    else:
        off_schedule = pd.Series(dtype=object)
    return _Cube(np.asarray(patients), cube, present, tuple(months), tuple(systems), off_schedule)


def _new_score_arrays(cube: _Cube) -> tuple[np.ndarray, np.ndarray]:
    """Boolean [patients, visits, systems] arrays of new A and new B scores."""
    act, present = cube.activity, cube.present
    n_p, n_v, n_s = act.shape
    new_a = np.zeros(act.shape, dtype=bool)
    new_b = np.zeros(act.shape, dtype=bool)
    last = np.full((n_p, n_s), -1, dtype=np.int8)
    has_last = np.zeros(n_p, dtype=bool)
    for v in range(n_v):
        here = present[:, v]
        compare = (here & has_last)[:, None]
        new_a[:, v] = compare & (act[:, v] == 3) & (last < 3)
        new_b[:, v] = compare & (act[:, v] == 2) & (last < 2)
        last = np.where(here[:, None], act[:, v], last)
        has_last |= here
    return new_a, new_b


def _new_since_visit(cube: _Cube, v_ref: int) -> tuple[np.ndarray, np.ndarray]:
    """Boolean [patients, visits, systems] arrays: newly A / newly B versus visit ``v_ref``."""
    act, present = cube.activity, cube.present
    ref = act[:, v_ref][:, None, :]
    ok = (present & present[:, [v_ref]])[:, :, None]
    ok = ok & (np.arange(act.shape[1]) != v_ref)[None, :, None]
    return ok & (act == 3) & (ref < 3), ok & (act == 2) & (ref < 2)


def _first_true(mask: np.ndarray) -> np.ndarray:
    """Index of the first True along the last axis (0 where none)."""
    return mask.argmax(axis=-1)


def _vector_wang(cube: _Cube) -> dict[str, np.ndarray]:
    act, present = cube.activity, cube.present
    n_p, _, n_s = act.shape
    i3, i6 = cube.months.index(3), cube.months.index(6)
    new_a, new_b = _new_since_visit(cube, 0)
    p3, p6 = present[:, i3], present[:, i6]
    at3, at6 = act[:, i3], act[:, i6]
    mcr = p6 & (at6 <= 1).all(1) & ~new_a[:, 1 : i6 + 1].any((1, 2))
    pcr1 = p3 & (at3 <= 1).all(1) & ~(new_a | new_b)[:, 1 : i3 + 1].any((1, 2))
    a6, b6 = at6 == 3, at6 == 2
    n_b6 = b6.sum(1)
    new_any = new_a | new_b
    ever = new_any.any(1)  # [patients, systems]
    total = ever.sum(1)
    first_visit = _first_true(new_any.transpose(0, 2, 1))  # [patients, systems]
    order_key = np.where(ever, first_visit * n_s + np.arange(n_s)[None, :], 10**6)
    second = np.sort(order_key, axis=1)[:, 1] if n_s > 1 else np.zeros(n_p, dtype=np.int64)
    second_visit = np.where(total >= 2, second // n_s, 0)
    second_system = np.where(total >= 2, second % n_s, 0)
    second_is_a = act[np.arange(n_p), second_visit, second_system] == 3
    code = np.select(
        [mcr, pcr1, ~p6, a6.any(1), n_b6 >= 2, total >= 2],
        ["w_mcr", "w_pcr_c3", "w_missing_6", "w_a_at_6", "w_two_b_at_6", "w_second_flare"],
        default="w_pcr_b6",
    )
    month_idx = np.select([code == "w_pcr_c3", code == "w_second_flare"],
                          [i3, second_visit], default=i6)
    system_idx = np.select([code == "w_a_at_6", code == "w_second_flare", code == "w_pcr_b6"],
                           [_first_true(a6), second_system, _first_true(b6)], default=-1)
    system_idx = np.where((code == "w_pcr_b6") & (n_b6 == 0), -1, system_idx)
    mask = np.where(code == "w_two_b_at_6", _bitmask(b6), 0)
    grade = np.where(code == "w_second_flare", np.where(second_is_a, "A", "B"), "")
    return {"code": code, "month_idx": month_idx, "system_idx": system_idx, "mask": mask,
            "grade": grade, "relapse": True}


def _vector_explorer(cube: _Cube) -> dict[str, np.ndarray]:
    act, present = cube.activity, cube.present
    n_p = act.shape[0]
    i6, i9, i12 = (cube.months.index(m) for m in (6, 9, 12))
    new_a, new_b = _new_since_visit(cube, 0)
    p6, p9, p12 = present[:, i6], present[:, i9], present[:, i12]
    # flares up to month 6: severe (any new A) or moderate (two or more new B) per visit
    severe = new_a[:, 1 : i6 + 1].any(2)
    moderate = new_b[:, 1 : i6 + 1].sum(2) >= 2
    flare_visit_mask = severe | moderate
    has_flare = flare_visit_mask.any(1)
    flare_v = _first_true(flare_visit_mask) + 1
    rows = np.arange(n_p)
    flare_severe = severe[rows, flare_v - 1]
    flare_new_a = new_a[rows, flare_v]
    flare_new_b = new_b[rows, flare_v]
    at0, at6 = act[:, 0], act[:, i6]
    a6, b6 = at6 == 3, at6 == 2
    n_b6 = b6.sum(1)
    b_not_from_a = b6 & (at0 != 3)
    at9 = act[:, i9]
    a9, b9 = at9 == 3, at9 == 2
    b9_not_from_a = b9 & (at0 != 3)
    n_b9 = b9.sum(1)
    new_b9 = b9 & (at0 <= 1)
    lost9 = (a9.any(1) | ((n_b9 > 1) & b9_not_from_a.any(1))
             | ((n_b9 == 1) & new_b9.any(1)))
    lost_system = np.where(a9.any(1), _first_true(a9), _first_true(b9_not_from_a))
    lost_grade = np.where(a9.any(1), "A", np.where(n_b9 > 1, "B", "N"))
    new_b6 = b6 & (at0 <= 1)
    # EXPLORER flare at month 12 (after week 24; month 9 is covered by lost9)
    severe12 = new_a[:, i12].any(1)
    moderate12 = new_b[:, i12].sum(1) >= 2
    mcr_ok = (n_b6 == 0) & p9 & p12 & (at9 <= 1).all(1) & (act[:, i12] <= 1).all(1)
    code = np.select(
        [~p6, has_flare & flare_severe, has_flare, a6.any(1),
         (n_b6 > 1) & b_not_from_a.any(1), (n_b6 == 1) & new_b6.any(1), ~p9, lost9,
         severe12, moderate12, mcr_ok, n_b6 == 0, n_b6 == 1],
        ["x_missing_6", "x_severe_flare", "x_moderate_flare", "x_a_at_6", "x_b_at_6",
         "x_new_b_at_6", "x_missing_9", "x_not_maintained", "late_severe", "late_moderate",
         "x_mcr", "x_pcr_c", "x_pcr_one_b"],
        default="x_pcr_a_to_b",
    )
    late_severe, late_moderate = code == "late_severe", code == "late_moderate"
    month_idx = np.select([(code == "x_severe_flare") | (code == "x_moderate_flare"),
                           (code == "x_missing_9") | (code == "x_not_maintained"),
                           late_severe | late_moderate],
                          [flare_v, i9, i12], default=i6)
    system_idx = np.select(
        [code == "x_severe_flare", code == "x_a_at_6", code == "x_not_maintained",
         code == "x_pcr_one_b", code == "x_new_b_at_6", late_severe],
        [_first_true(flare_new_a), _first_true(a6), lost_system, _first_true(b6),
         _first_true(b6), _first_true(new_a[:, i12])],
        default=-1,
    )
    mask = np.select([code == "x_moderate_flare", code == "x_b_at_6", code == "x_pcr_a_to_b",
                      late_moderate],
                     [_bitmask(flare_new_b), _bitmask(b_not_from_a), _bitmask(b6),
                      _bitmask(new_b[:, i12])], default=0)
    grade = np.select([(code == "x_severe_flare") | late_severe,
                       (code == "x_moderate_flare") | late_moderate,
                       code == "x_not_maintained"],
                      ["A", "B", lost_grade], default="")
    code = np.select([late_severe, late_moderate], ["x_severe_flare", "x_moderate_flare"],
                     default=code)
    return {"code": code, "month_idx": month_idx, "system_idx": system_idx, "mask": mask,
            "grade": grade, "relapse": True}


def _vector_bicla(cube: _Cube) -> dict[str, np.ndarray]:
    act, present = cube.activity, cube.present
    n_p = act.shape[0]
    i12 = cube.months.index(12)
    at0, at12 = act[:, 0], act[:, i12]
    persistent_a = (at0 == 3) & (at12 == 3)
    persistent_b = (at0 == 2) & (at12 >= 2)
    new_a = (at0 <= 1) & (at12 == 3)
    new_b = (at0 <= 1) & (at12 == 2)
    code = np.select(
        [~present[:, i12], persistent_a.any(1), persistent_b.any(1), new_a.any(1),
         new_b.sum(1) > 1],
        ["b_missing_12", "b_persistent_a", "b_persistent_b", "b_new_a", "b_new_b"],
        default="b_responder",
    )
    system_idx = np.select(
        [code == "b_persistent_a", code == "b_persistent_b", code == "b_new_a"],
        [_first_true(persistent_a), _first_true(persistent_b), _first_true(new_a)], default=-1)
    rows = np.arange(n_p)
    end_grade = np.where(at12[rows, np.maximum(system_idx, 0)] == 3, "A", "B")
    grade = np.where(code == "b_persistent_b", end_grade, "")
    mask = np.where(code == "b_new_b", _bitmask(new_b), 0)
    return {"code": code, "month_idx": np.full(n_p, i12), "system_idx": system_idx,
            "mask": mask, "grade": grade, "relapse": False}


_VECTOR_RULES = {"wang2014": _vector_wang, "explorer": _vector_explorer, "bicla": _vector_bicla}


def _bitmask(mask: np.ndarray) -> np.ndarray:
    return (mask.astype(np.int64) << np.arange(mask.shape[1], dtype=np.int64)).sum(1)


def _names_from_mask(value: int, systems: Sequence[str]) -> tuple[str, ...]:
    return tuple(s for i, s in enumerate(systems) if value >> i & 1)


def _notes(cube: _Cube) -> np.ndarray:
    missing = _bitmask(~cube.present)
    texts = np.full(len(cube.patients), "", dtype=object)
    months = cube.months
    for value in np.unique(missing[missing > 0]):
        listed = ", ".join(str(m) for i, m in enumerate(months) if value >> i & 1)
        texts[missing == value] = f"missing visits: {listed}"
    # visits not used (off the schedule, or left out by the windows) are noted by
    # _windows_and_events, shared with the reference implementation
    return texts


def _classify_vectorised(visits: pd.DataFrame, chosen: ResponseDefinition,
                         systems: Sequence[str]) -> pd.DataFrame:
    cube = _build_cube(visits, chosen.schedule, systems)
    out = _VECTOR_RULES[chosen.name](cube)
    no_baseline = _NO_BASELINE.get(chosen.name, "no_baseline")
    code = np.where(cube.present[:, 0], out["code"], no_baseline)
    no_active = _NO_ACTIVE.get(chosen.name, "no_active_disease")
    code = np.where(cube.present[:, 0] & ~_active_at_entry_vector(cube), no_active, code)
    at_entry = (code == no_baseline) | (code == no_active)
    month_idx = np.where(at_entry, 0, out["month_idx"])
    months = np.asarray(cube.months)
    deciding = months[month_idx]
    decisions = pd.DataFrame({
        "code": code, "month": deciding, "system_idx": out["system_idx"],
        "mask": out["mask"], "grade": out["grade"],
    })
    decisions.loc[at_entry, ["system_idx", "mask", "grade"]] = [-1, 0, ""]
    keys = ["code", "month", "system_idx", "mask", "grade"]
    unique = decisions.drop_duplicates(keys)
    texts = {}
    for row in unique.itertuples(index=False):
        named = (systems[row.system_idx],) if row.system_idx >= 0 else _names_from_mask(
            int(row.mask), systems)
        texts[(row.code, row.month, row.system_idx, row.mask, row.grade)] = reason_text(
            row.code, row.month, named, row.grade)
    reason = [texts[k] for k in zip(*(decisions[c].tolist() for c in keys), strict=True)]
    category = pd.Series(code).map({k: v[0].value for k, v in _REASONS.items()}).to_numpy()
    relapse = pd.array([pd.NA] * len(code), dtype="Int64")
    if out["relapse"]:
        responders = category != ResponseCategory.NR.value
        new_a, new_b = _new_score_arrays(cube)
        any_new = (new_a | new_b).any(2)
        later = any_new & (np.arange(len(months))[None, :] > month_idx[:, None])
        has = later.any(1) & responders
        values = months[_first_true(later)]
        relapse = pd.array(np.where(has, values, 0), dtype="Int64")
        relapse[~has] = pd.NA
    return pd.DataFrame({
        "patient_id": cube.patients,
        "response": category,
        "deciding_month": deciding.astype("int64"),
        "reason": reason,
        "relapse_month": relapse,
        "note": _notes(cube),
    })


def _classify_reference(visits: pd.DataFrame, chosen: ResponseDefinition,
                        index: IndexVersion) -> pd.DataFrame:
    rows = []
    for patient, table in visits.groupby("patient_id", sort=False):
        history: dict[int, dict[str, str]] = {}
        for month, visit in table.groupby("month", sort=True):
            history[month] = dict(zip(visit["system"], visit["grade"], strict=True))
        result = classify_patient(history, chosen, index)
        missing = [m for m in chosen.schedule if m not in history]
        notes = []
        if missing:
            notes.append("missing visits: " + ", ".join(str(m) for m in missing))
        # visits not used are noted by _windows_and_events (shared with the vectorised code)
        rows.append((patient, result.response.value, result.deciding_month, result.reason,
                     result.relapse_month, "; ".join(notes)))
    table = pd.DataFrame(rows, columns=["patient_id", "response", "deciding_month", "reason",
                                        "relapse_month", "note"])
    table["deciding_month"] = table["deciding_month"].astype("int64")
    table["relapse_month"] = table["relapse_month"].astype("Int64")
    return table


# --------------------------------------------------------------------------
# Shared by both implementations: windows (unused visits, observed months) and
# events (non-responder imputation), applied identically to either result
# --------------------------------------------------------------------------


def _month_text(month: float) -> str:
    value = float(month)
    return str(int(value)) if value.is_integer() else f"{round(value, 2):g}"


def _checked_events(events: pd.DataFrame | str | os.PathLike[str] | None,
                    visits: pd.DataFrame) -> pd.DataFrame | None:
    """Read ``events`` if needed; refuse unknown patients and visits after a death."""
    if events is None:
        return None
    from lupus_teach.errors import DataValidationError
    from lupus_teach.events import read_events, visits_after_death

    table = events
    if not (isinstance(events, pd.DataFrame) and "source_row" in events.columns):
        table = read_events(events, visits=visits)
    else:
        unknown = ~table["patient_id"].isin(set(pd.unique(visits["patient_id"])))
        if unknown.any():
            table = read_events(events.drop(columns="source_row"), visits=visits)
    problems = visits_after_death(table, visits, visits.attrs.get("source", "the visits"))
    if problems:
        raise DataValidationError(problems)
    return table


def _windows_and_events(result: pd.DataFrame, windowed: WindowedVisits,
                        chosen: ResponseDefinition, events: pd.DataFrame | None,
                        systems: Sequence[str]) -> pd.DataFrame:
    """Add ``observed_month``, note every visit not used, and apply the events rule."""
    rows = windowed.table
    first_system = rows["system"] == systems[0]
    seen = rows.loc[first_system.to_numpy() & rows["month"].notna().to_numpy(),
                    ["patient_id", "month", "observed_month"]]
    # one integer per (patient, month) visit, looked up with pandas' integer hash table
    # (a MultiIndex of text and floats costs ten times as much on millions of rows)
    from lupus_teach._codes import factorize

    pid_codes, pid_uniques = factorize(seen["patient_id"])
    month_codes, month_uniques = pd.factorize(seen["month"].to_numpy(dtype=float), sort=False)
    n_months = max(len(month_uniques), 1)
    key = pd.Index(pid_codes.astype(np.int64) * n_months + month_codes)
    if not key.is_unique:
        first = ~key.duplicated()
        seen, key = seen[first], key[first]
    observed_of = seen["observed_month"].to_numpy(dtype=float)
    result_pid = pd.Index(pid_uniques).get_indexer(result["patient_id"])
    month_index = pd.Index(month_uniques)

    def observed_at(months: np.ndarray) -> np.ndarray:
        month_pos = month_index.get_indexer(np.asarray(months, dtype=float))
        known = (result_pid >= 0) & (month_pos >= 0)
        where = np.where(known, key.get_indexer(
            result_pid.astype(np.int64) * n_months + month_pos), -1)
        return np.where(where >= 0, observed_of[np.maximum(where, 0)], np.nan)

    observed = observed_at(result["deciding_month"].to_numpy())
    notes = result["note"].astype(object).to_numpy().copy()
    # visits not used: off the definition's schedule, or left out by the windows
    off = seen[~seen["month"].isin(chosen.schedule).to_numpy()]
    lost = windowed.unused
    if len(off) or len(lost):
        listed = pd.concat([
            pd.DataFrame({"patient_id": off["patient_id"].to_numpy(),
                          "month": off["observed_month"].to_numpy(dtype=float), "why": ""}),
            pd.DataFrame({"patient_id": lost["patient_id"].to_numpy(),
                          "month": lost["observed_month"].to_numpy(dtype=float),
                          "why": lost["why"].to_numpy()}),
        ], ignore_index=True).sort_values("month", kind="stable")
        months = listed.groupby("patient_id", sort=False)["month"].agg(tuple)
        text = {m: ", ".join(_month_text(x) for x in m) for m in set(months)}
        reads = f"{chosen.name} reads months {', '.join(map(str, chosen.schedule))}"
        extra = {pid: f"visits at months {text[m]} were not used ({reads})"
                 for pid, m in months.items()}
        detailed = listed[listed["why"] != ""]
        for pid, group in detailed.groupby("patient_id", sort=False):
            why = ", ".join(f"month {_month_text(m)} {w}"
                            for m, w in zip(group["month"], group["why"], strict=True))
            extra[pid] += f": {why}"
        add = result["patient_id"].map(extra).fillna("").to_numpy(dtype=object)
        notes = np.where(add == "", notes,
                         np.where(notes == "", add, notes.astype(str) + "; " + add))
    out = result.copy()
    out.insert(out.columns.get_loc("deciding_month") + 1, "observed_month", observed)
    out["note"] = notes
    if events is not None and len(events):
        out = _impute_events(out, events, chosen, observed_at)
    out.attrs["windows_summary"] = windowed.summary()
    out.attrs["unused_visits"] = len(windowed.unused)
    return out


def _impute_events(result: pd.DataFrame, events: pd.DataFrame, chosen: ResponseDefinition,
                   observed_at: Callable[[np.ndarray], np.ndarray]) -> pd.DataFrame:
    """Non-responder imputation for deaths and withdrawals before the last scheduled visit."""
    from lupus_teach.events import EventKind, first_events

    last = max(chosen.schedule)
    first = first_events(events).set_index("patient_id")
    when = result["patient_id"].map(first["month"]).to_numpy(dtype=float)
    kind = result["patient_id"].map(first["event"])
    has = ~np.isnan(when)
    if not has.any():
        return result
    last_seen = observed_at(np.full(len(result), float(last)))
    # assessed at the last visit before the event: the visits decide
    assessed = ~np.isnan(last_seen) & (last_seen <= when)
    impute = has & (when < last) & ~assessed
    out = result.copy()
    reasons = out["reason"].astype(object).to_numpy().copy()
    notes = out["note"].astype(object).to_numpy().copy()
    for i in np.flatnonzero(has):
        verb = EventKind(kind.iloc[i]).verb
        month = _month_text(when[i])
        if impute[i]:
            before = f"{out['response'].iloc[i]} at month {int(out['deciding_month'].iloc[i])}"
            relapse = out["relapse_month"].iloc[i]
            if not pd.isna(relapse):
                before += f", relapse at month {int(relapse)}"
            reasons[i] = (f"NR: {verb} at month {month}, before the month-{last} assessment "
                          f"(non-responder imputation); by the visits alone: {before}")
        else:
            note = (f"{verb} at month {month}, after the month-{last} assessment: the "
                    "response stands")
            notes[i] = note if notes[i] == "" else f"{notes[i]}; {note}"
    out["reason"] = reasons
    out["note"] = notes
    out.loc[impute, "response"] = ResponseCategory.NR.value
    out.loc[impute, "deciding_month"] = last
    out.loc[impute, "observed_month"] = np.nan
    out.loc[impute, "relapse_month"] = pd.NA
    return out


def classify_response(
    visits: pd.DataFrame,
    definition: str | ResponseDefinition = "wang2014",
    *,
    method: str = "vectorised",
    validate: bool = True,
    windows: VisitWindows | str | float | Sequence[str] | None = None,
    events: pd.DataFrame | str | os.PathLike[str] | None = None,
) -> pd.DataFrame:
    """Classify every patient of a cohort under a response definition.

    Parameters
    ----------
    visits : DataFrame
        The long BILAG table (``patient_id, month, system, grade``), as read
        by :func:`lupus_teach.visits.read_visits`.
    definition : str
        ``"wang2014"`` (default), ``"explorer"`` or ``"bicla"``; see
        :data:`DEFINITIONS`.
    method : {"vectorised", "reference"}
        The fast NumPy implementation, or the plain per-patient one.
    validate : bool
        Validate ``visits`` first (default). Skip only for a table already
        returned by ``read_visits``.
    windows : VisitWindows, optional
        How observed visits are matched to the visit grid before the rules
        read them (:mod:`lupus_teach.windows`; default: the nearest grid
        month within halfway to its neighbours). A half-width in months or
        ``--window`` text is accepted too.
    events : DataFrame or path, optional
        Deaths and withdrawals (:func:`lupus_teach.events.read_events`). A
        patient who dies or withdraws before the definition's last scheduled
        visit is NR (non-responder imputation; :data:`lupus_teach.events.EVENT_CHOICE`).

    Returns
    -------
    DataFrame
        One row per patient, in order of first appearance: ``patient_id``,
        ``response`` (``MCR``, ``PCR``, ``responder`` or ``NR``),
        ``deciding_month`` (the scheduled month of the deciding visit),
        ``observed_month`` (when that visit was observed; empty when it is
        missing or an event decided), ``reason``, ``relapse_month``
        (responders' first later new A or B; empty otherwise and for BICLA)
        and ``note`` (missing visits, every visit not used, events).
        ``attrs['windows_summary']`` is the one-line summary of the matching
        (:meth:`lupus_teach.windows.WindowedVisits.summary`) and
        ``attrs['unused_visits']`` the number of visits not matched.

    Raises
    ------
    DataValidationError
        If ``validate`` and the table breaks the data contract.
    UnknownNameError
        For an unknown definition or method.

    References
    ----------
    See each definition's ``reference`` in :data:`DEFINITIONS`.

    Examples
    --------
    >>> import pandas as pd
    >>> from lupus_teach.bilag import system_names
    >>> rows = [("p9", m, s, "A" if (s == "renal" and m in (0, 9)) else "D")
    ...         for m in (0, 1, 3, 6, 9, 12) for s in system_names("classic")]
    >>> visits = pd.DataFrame(rows, columns=["patient_id", "month", "system", "grade"])
    >>> out = classify_response(visits)
    >>> out.loc[0, "response"], int(out.loc[0, "relapse_month"])
    ('MCR', 9)
    """
    chosen = get_definition(definition)
    if method not in ("vectorised", "reference"):
        raise UnknownNameError("classification method", method, ["vectorised", "reference"])
    table = read_visits(visits) if validate else visits
    index = bilag_index_of(table)
    from lupus_teach.windows import assign_windows

    windowed = assign_windows(table, windows)
    checked = _checked_events(events, table)
    chosen = _composite_for(chosen, table)  # SRI-k, full BICLA: lupus_teach.composite
    if chosen.name in COMPOSITE_DEFINITIONS:
        result = _classify_composite(windowed.table, chosen, index, method)
    elif method == "reference":
        result = _classify_reference(windowed.table, chosen, index)
    else:
        result = _classify_vectorised(windowed.table, chosen, system_names(index))
    result = _windows_and_events(result, windowed, chosen, checked, system_names(index))
    return _with_index_note(result, chosen, index)


def index_note(definition: str | ResponseDefinition, index: IndexVersion | str) -> str:
    """A note when a definition is applied to the BILAG version it was not written for.

    Empty when the versions match (or the definition fits either).

    Examples
    --------
    >>> print(index_note("wang2014", "2004"))
    wang2014 was written for classic BILAG data; applied here to BILAG-2004 data
    >>> index_note("bicla", "2004")
    ''
    """
    chosen = get_definition(definition)
    version = IndexVersion(index) if not isinstance(index, IndexVersion) else index
    if chosen.index is None or chosen.index is version:
        return ""
    return (f"{chosen.name} was written for {chosen.index.label} data; applied here to "
            f"{version.label} data")


def _with_index_note(result: pd.DataFrame, chosen: ResponseDefinition,
                     index: IndexVersion) -> pd.DataFrame:
    note = index_note(chosen, index)
    if note and len(result):
        old = result["note"].astype(str)
        result["note"] = np.where(old == "", note, old + "; " + note)
    return result


def _choices_table(choices: Sequence[Choice]) -> list[str]:
    lines = ["| Question | Choice | Test |", "|---|---|---|"]
    return lines + [f"| {c.question} | {c.choice} | `{c.test}` |" for c in choices]


def shared_rules() -> tuple[str, ...]:
    """The rules every definition shares, in the words of :mod:`lupus_teach.vocabulary`.

    Examples
    --------
    >>> shared_rules()[0].startswith("A new score is judged against baseline")
    True
    """
    from lupus_teach.vocabulary import ACTIVE_AT_ENTRY, NEW_SCORE, RELAPSE

    return (
        NEW_SCORE.definition,
        RELAPSE.definition,
        ACTIVE_AT_ENTRY.definition,
        "A missing visit is never good: a visit a rule needs (baseline, the month at which "
        "the response is judged or confirmed) that is missing fails that route, and the note "
        "column lists every missing visit.",
        "Each definition records the BILAG version it was written for; applied to the other "
        "version it still runs, and the note column and the console say so.",
    )


def definitions_markdown(names: Sequence[str] | None = None) -> str:
    """Every definition's rules, reference and choices as Markdown (for the book).

    Called without ``names``, the page starts with :func:`shared_rules` and
    ends with the choices about the index itself (:data:`INDEX_CHOICES`).

    Examples
    --------
    >>> text = definitions_markdown(["bicla"])
    >>> text.splitlines()[0]
    '## BICLA, BILAG part only (Wallace et al. 2014): `bicla`'
    >>> "| Question | Choice | Test |" in text
    True
    """
    parts = []
    if names is None:
        parts.append("\n".join(["## Rules shared by every definition", "",
                                 *(f"- {rule}" for rule in shared_rules())]))
    for name in names if names is not None else [*DEFINITIONS, *COMPOSITE_DEFINITIONS]:
        chosen = get_definition(name)
        schedule = ", ".join(str(m) for m in chosen.schedule)
        version = chosen.index.label if chosen.index is not None else "either BILAG version"
        lines = [f"## {chosen.title}: `{chosen.name}`", "",
                 f"Visits read: months {schedule}. Written for: {version}.", "",
                 "**Rules**", ""]
        lines += [f"- {rule}" for rule in chosen.rules]
        lines += ["", f"**Source.** {chosen.reference}", ""]
        lines += _choices_table(chosen.choices)
        parts.append("\n".join(lines))
    if names is None:
        parts.append("\n".join(["## Choices about the BILAG index itself", "",
                                 *_choices_table(INDEX_CHOICES)]))
        parts.append("\n".join(["## Choices about visit dates, deaths and withdrawals", "",
                                 "Used by every definition in the same way.", "",
                                 *_choices_table(record_choices())]))
    return "\n\n".join(parts)


def record_choices() -> tuple[Choice, ...]:
    """The choices about real-world records (visit windows, deaths and withdrawals).

    Stated in :mod:`lupus_teach.windows` and :mod:`lupus_teach.events`.

    Examples
    --------
    >>> [c.test.startswith("test_") for c in record_choices()]
    [True, True]
    """
    from lupus_teach.events import EVENT_CHOICE
    from lupus_teach.windows import WINDOW_CHOICE

    return (WINDOW_CHOICE, EVENT_CHOICE)


#: Choices about scoring and comparing visits, shared by every definition.
INDEX_CHOICES: tuple[Choice, ...] = (
    Choice(
        "A global score for a visit with systems missing?",
        "Refused: `global_score` lists the missing systems, unless the caller says which grade "
        "they take (`fill=\"E\"`), so a score over part of the index never looks like a "
        "whole one.",
        "test_global_score_refuses_missing_systems",
    ),
    Choice(
        "A system graded E (never involved) after an earlier A, B, C or D?",
        "Kept as written, with a warning on the console of `classify` and `report` naming "
        "patient, system and months: E means never involved, D is the grade for previously "
        "active. E and D both have activity 0, so no score or classification changes.",
        "test_e_after_involvement_warns",
    ),
    Choice(
        "Flare severity on BILAG-2004 data?",
        "The same grade rule as the classic index (severe = a new A, moderate = a new B, "
        "mild = D or E to C), with the category names of Isenberg et al. 2011 (severe, "
        "moderate, mild or no flare); some BILAG-2004 trials grade one new B as mild and "
        "two as moderate.",
        "test_flare_severity_same_rule_on_2004",
    ),
)


# --------------------------------------------------------------------------
# Composite endpoints: SRI-4 ... SRI-8 and the full BICLA (BILAG + SLEDAI-2K + PGA)
# --------------------------------------------------------------------------

_SRI_REFERENCE = (
    "Furie RA, Petri MA, Wallace DJ, et al. Novel evidence-based systemic lupus "
    "erythematosus responder index. Arthritis Rheum 2009;61:1143-1151. SLEDAI-2K: Gladman DD, "
    "Ibañez D, Urowitz MB. J Rheumatol 2002;29:288-291."
)


def sri(k: int = 4) -> ResponseDefinition:
    """The SLE Responder Index with a SLEDAI-2K threshold of ``k`` points (SRI-4 ... SRI-8).

    SRI-4 is the original (Furie et al. 2009); SRI-5 to SRI-8 raise only the
    SLEDAI-2K fall required. Registered as ``"sri4"`` ... ``"sri8"`` in
    :data:`COMPOSITE_DEFINITIONS`; the rules are in :mod:`lupus_teach.composite`.

    Raises
    ------
    DefinitionError
        For a threshold outside 4-8.

    Examples
    --------
    >>> sri(6).name, sri(6).schedule
    ('sri6', (0, 12))
    >>> print(sri(4).rules[0])
    Responder at month 12 compared with baseline: (1) SLEDAI-2K reduced by at least 4 points; ...
    """
    from lupus_teach.errors import DefinitionError

    if k not in range(4, 9):
        raise DefinitionError(f"SRI thresholds run from 4 to 8 points (sri4 ... sri8), not {k}.")
    return ResponseDefinition(
        name=f"sri{k}",
        title=f"SLE Responder Index, SRI-{k} (Furie et al. 2009)",
        schedule=(0, 12),
        categories=(ResponseCategory.RESPONDER, ResponseCategory.NR),
        rules=(
            f"Responder at month 12 compared with baseline: (1) SLEDAI-2K reduced by at least "
            f"{k} points; (2) no new BILAG A (a system A at month 12 that was not A at "
            "baseline) and at most one new BILAG B (a system B at month 12 that was C, D or E "
            "at baseline); (3) physician's global assessment (0-3) worse by less than 0.3.",
            "NR: otherwise, or when baseline, month 12, or a SLEDAI-2K or PGA value at either "
            "is missing.",
        ),
        reference=_SRI_REFERENCE + ("" if k == 4 else (
            f" SRI-{k} keeps the BILAG and PGA parts and asks a fall of at least {k} "
            "SLEDAI-2K points.")),
        choices=(
            _COMMON_CHOICES[1],
            Choice("When is the SRI judged?",
                   "At month 12 against baseline (the usual week-52 endpoint); the visits "
                   "between are not read.",
                   "test_sri4_judged_at_month_12_against_baseline"),
            Choice(f"'Reduced by at least {k} points': is a fall of exactly {k} enough?",
                   f"Yes: a fall of {k} points responds, a fall of {k - 1} does not.",
                   "test_sri4_four_point_drop_exactly_responds" if k == 4
                   else "test_stricter_sri_thresholds"),
            Choice("'PGA not worse by 0.3 or more': what of exactly 0.3?",
                   "A worsening of exactly 0.3 points is NR; 0.29 is allowed. Differences are "
                   "rounded to 6 decimals first, so 2.3 to 2.6 counts as exactly 0.3.",
                   "test_sri4_pga_worse_by_exactly_0_3_is_nr"),
            Choice("New BILAG scores: against which visit, and is A to B new?",
                   "At month 12 against baseline; a system going from A to B is an "
                   "improvement, not a new B; B to A is a new A.",
                   "test_sri4_one_new_b_allowed_two_not"),
            Choice("SRI was published with SELENA-SLEDAI; the data carry SLEDAI-2K.",
                   "SLEDAI-2K totals are used (same 24 descriptors and weights; SLEDAI-2K "
                   "counts persisting rash, alopecia, ulcers and proteinuria). Descriptor "
                   "columns are scored with lupus_teach.sledai.score.",
                   "test_sri4_scores_descriptor_columns"),
            Choice("Does the BILAG entry rule (at least one A or two B at baseline) apply?",
                   "No: the SRI needs no BILAG activity at entry (trials using it enrolled on "
                   f"a SLEDAI threshold); the SLEDAI-2K part itself needs a baseline of at "
                   f"least {k}.",
                   "test_sri4_needs_no_bilag_entry_rule"),
        ),
        index=None,
    )


BICLA_FULL = ResponseDefinition(
    name="bicla_full",
    title="BICLA, full definition (Wallace et al. 2014)",
    schedule=(0, 12),
    categories=(ResponseCategory.RESPONDER, ResponseCategory.NR),
    rules=(
        "Responder at month 12 compared with baseline: (1) every system graded A at baseline "
        "is B or better and every system graded B is C or better; (2) no new A and at most "
        "one new B; (3) no worsening of SLEDAI-2K (month 12 not above baseline); (4) "
        "physician's global assessment worse by less than 10% of its 0-3 scale (less than "
        "0.3); (5) no treatment failure (treatment_failure column; without it, not "
        "assessed, and the reason says so).",
        "NR: otherwise, or when baseline, month 12, or a SLEDAI-2K or PGA value at either "
        "is missing.",
        "`bicla` becomes this definition when the data have SLEDAI-2K (sledai or "
        "sledai_<descriptor> columns) and pga columns.",
    ),
    reference=(
        "Wallace DJ, Kalunian K, Petri MA, et al. Efficacy and safety of epratuzumab in "
        "patients with moderate/severe active systemic lupus erythematosus: results from "
        "EMBLEM. Ann Rheum Dis 2014;73:183-190 (BICLA). Wording as summarised by the "
        "ePROVIDE instrument page 'BILAG-based Combined Lupus Assessment'."
    ),
    choices=(
        *_COMMON_CHOICES[1:],
        Choice("'PGA worsened by less than 10%': 10% of what, on a 0-3 scale?",
               "10% of the 3-point scale, 0.3 points (not 10% of the patient's baseline "
               "value, which would allow no worsening at all from 0); a worsening of "
               "exactly 0.3 is NR. The ePROVIDE summary writes '(<=10%)', which would let "
               "exactly 0.3 pass.",
               "test_bicla_pga_worse_by_exactly_0_3_is_nr"),
        Choice("'No worsening of SLEDAI-2K': is an unchanged total a worsening?",
               "No: the month-12 total may equal the baseline; any rise is NR.",
               "test_bicla_sledai_equal_passes_rise_fails"),
        Choice("Treatment failure: when, and what if it is not recorded?",
               "A 'yes' at any visit after baseline up to month 12 is NR. Without a "
               "treatment_failure column (or with an empty cell at month 12) it is not "
               "assessed: the responder's reason says so.",
               "test_bicla_treatment_failure_not_assessed_without_column"),
        Choice("When does `bicla` mean the full definition?",
               "Whenever the data have SLEDAI-2K and pga columns; otherwise it stays the "
               "BILAG part, labelled as such.",
               "test_bicla_is_full_with_sledai_and_pga"),
    ),
    index=IndexVersion.BILAG2004,
)

COMPOSITE_DEFINITIONS: dict[str, ResponseDefinition] = {
    **{f"sri{k}": sri(k) for k in range(4, 9)},
    "bicla_full": BICLA_FULL,
}
"""Definitions that need SLEDAI-2K and PGA columns besides the BILAG grades."""


def _composite_for(chosen: ResponseDefinition, visits: pd.DataFrame) -> ResponseDefinition:
    """The definition to apply: ``bicla`` becomes ``bicla_full`` when the data allow it."""
    from lupus_teach.errors import DefinitionError
    from lupus_teach.sledai import has_activity

    if chosen.name == "bicla" and has_activity(visits):
        return BICLA_FULL
    if chosen.name in COMPOSITE_DEFINITIONS and not has_activity(visits):
        have = ", ".join(str(c) for c in visits.columns)
        raise DefinitionError(
            f"{chosen.name} needs a SLEDAI-2K total (a 'sledai' column, or the 24 "
            "'sledai_<descriptor>' columns) and a physician's global assessment ('pga' "
            f"column) on every visit's rows; this table has: {have}.")
    return chosen


def _composite_activity(visits: pd.DataFrame, patients: Sequence[object]) -> dict[str, np.ndarray]:
    """Per patient (in ``patients`` order): activity at months 0 and 12, first failure month."""
    from lupus_teach.sledai import visit_activity

    table = visit_activity(visits)
    n = len(patients)
    pos = pd.Index(patients).get_indexer(table["patient_id"])
    month = table["month"].to_numpy(dtype=float)
    out: dict[str, np.ndarray] = {}
    for key, column, m in (("s0", "sledai", 0), ("s12", "sledai", 12), ("p0", "pga", 0),
                           ("p12", "pga", 12), ("f12", "treatment_failure", 12)):
        values = np.full(n, np.nan)
        sel = (month == m) & (pos >= 0)
        values[pos[sel]] = table[column].to_numpy(dtype=float)[sel]
        out[key] = values
    failed = (month > 0) & (month <= 12) & (table["treatment_failure"].to_numpy() == 1.0)
    first = np.full(n, np.inf)
    np.minimum.at(first, pos[failed & (pos >= 0)], month[failed & (pos >= 0)])
    out["failure_month"] = np.where(np.isinf(first), np.nan, first)
    return out


def _classify_composite(visits: pd.DataFrame, chosen: ResponseDefinition,
                        index: IndexVersion, method: str) -> pd.DataFrame:
    """Classify every patient under SRI-k or the full BICLA (both implementations)."""
    from lupus_teach import composite

    systems = system_names(index)
    name = chosen.name
    failure_column = "treatment_failure" in visits.columns
    entry_rule = name == "bicla_full"
    if method == "reference":
        from lupus_teach.sledai import visit_activity

        per_visit = visit_activity(visits)
        activities: dict[object, dict[float, tuple[float, float, float]]] = {}
        for row in per_visit.itertuples(index=False):
            activities.setdefault(row.patient_id, {})[float(row.month)] = (
                float(row.sledai), float(row.pga), float(row.treatment_failure))
        rows = []
        for patient, table in visits.groupby("patient_id", sort=False, observed=True):
            history: dict[int, dict[str, str]] = {}
            for month, visit in table.groupby("month", sort=True):
                if month in chosen.schedule:
                    history[int(month)] = {str(s): str(g) for s, g in zip(
                        visit["system"], visit["grade"], strict=True)}
            activity = activities.get(patient, {})
            if entry_rule and 0 in history and not active_at_entry(history[0]):
                code, month, details = "c_no_active", 0, {}
            else:
                code, month, details = composite.reference_rule(
                    name, history, systems, activity, failure_column=failure_column)
            missing = [m for m in chosen.schedule if m not in history]
            note = "missing visits: " + ", ".join(str(m) for m in missing) if missing else ""
            rows.append((patient, composite.category_of(code), month,
                         composite.reason_text(name, code, details), None, note))
        result = pd.DataFrame(rows, columns=["patient_id", "response", "deciding_month",
                                             "reason", "relapse_month", "note"])
        result["deciding_month"] = result["deciding_month"].astype("int64")
        result["relapse_month"] = result["relapse_month"].astype("Int64")
        return result
    cube = _build_cube(visits, chosen.schedule, systems)
    act = _composite_activity(visits, list(cube.patients))
    i12 = cube.months.index(12)
    code, deciding, details = composite.vectorised_rule(
        name, cube.activity[:, 0], cube.activity[:, i12], cube.present[:, 0],
        cube.present[:, i12], act["s0"], act["s12"], act["p0"], act["p12"],
        act["failure_month"], act["f12"], systems, failure_column=failure_column)
    if entry_rule:
        inactive = cube.present[:, 0] & ~_active_at_entry_vector(cube)
        code = np.where(inactive, "c_no_active", code)
        deciding = np.where(inactive, 0, deciding)
    return pd.DataFrame({
        "patient_id": cube.patients,
        "response": [composite.category_of(c) for c in code],
        "deciding_month": deciding.astype("int64"),
        "reason": composite.reason_texts(name, code, details),
        "relapse_month": pd.array([pd.NA] * len(code), dtype="Int64"),
        "note": _missing_visit_notes(cube),
    })


def _missing_visit_notes(cube: _Cube) -> np.ndarray:
    """'missing visits: ...' per patient (the wrapper adds notes on visits not used)."""
    missing = _bitmask(~cube.present)
    texts = np.full(len(cube.patients), "", dtype=object)
    for value in np.unique(missing[missing > 0]):
        listed = ", ".join(str(m) for i, m in enumerate(cube.months) if value >> i & 1)
        texts[missing == value] = f"missing visits: {listed}"
    return texts


def console_notes(visits: pd.DataFrame, definition: str | ResponseDefinition) -> list[str]:
    """Lines for the console of ``classify`` and ``report`` (index version, E after A-D).

    Parameters
    ----------
    visits : DataFrame
        A table returned by :func:`lupus_teach.visits.read_visits`.
    definition : str
        The definition used.

    Examples
    --------
    >>> import pandas as pd
    >>> from lupus_teach.bilag import system_names
    >>> rows = [("q1", m, s, "A" if s == "renal" and m == 0 else "E")
    ...         for m in (0, 12) for s in system_names("2004")]
    >>> visits = pd.DataFrame(rows, columns=["patient_id", "month", "system", "grade"])
    >>> for line in console_notes(visits, "wang2014"):
    ...     print(line[:80])
    note: wang2014 was written for classic BILAG data; applied here to BILAG-2004 da
    warning: grade E (never involved) after an earlier A, B, C or D in the same syst
    """
    from lupus_teach.bilag import e_after_involvement_warning

    lines = []
    note = index_note(definition, bilag_index_of(visits))
    if note:
        lines.append(f"note: {note}")
    warning = e_after_involvement_warning(visits)
    if warning:
        lines.append(warning)
    return lines
