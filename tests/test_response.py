"""Hand-written scenario tests of lupus_teach.response.

Every expected value here was worked out by hand from the rules written in
``DEFINITIONS[...].rules``, the shared rules in the module docstring and the
stated choices; none is produced by calling the code under test. Each
scenario is a tiny patient: unspecified systems are graded D (inactive now).

Systems of the classic BILAG, in the index's order (the order in which
reasons name several systems): general, mucocutaneous, neurological,
musculoskeletal, cardiorespiratory, vasculitis, renal, haematological.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from lupus_teach.bilag import system_names
from lupus_teach.errors import DataValidationError, UnknownNameError
from lupus_teach.response import (
    _REASONS,
    DEFINITIONS,
    ResponseCategory,
    classify_patient,
    classify_response,
)

METHODS = ["vectorised", "reference"]
COLUMNS = ["patient_id", "month", "system", "grade"]
OUTPUT_COLUMNS = ["patient_id", "response", "deciding_month", "observed_month", "reason",
                  "relapse_month", "note"]
SCHEDULE = (0, 1, 3, 6, 9, 12)
ONLY_0_AND_12 = (1, 3, 6, 9)  # drop these to give BICLA exactly its own schedule


def patient(
    pid: str = "p1",
    *,
    baseline: dict[str, str] | None = None,
    m1: dict[str, str] | None = None,
    m3: dict[str, str] | None = None,
    m6: dict[str, str] | None = None,
    m9: dict[str, str] | None = None,
    m12: dict[str, str] | None = None,
    missing: tuple[float, ...] = (),
    extra: dict[float, dict[str, str]] | None = None,
    index: str = "classic",
) -> pd.DataFrame:
    """One patient in long format: every scheduled visit present unless ``missing``.

    Each visit gives only the systems that are not D. ``extra`` adds visits at
    other (off-schedule) months.
    """
    systems = system_names(index)
    visits: dict[float, dict[str, str] | None] = {
        0: baseline, 1: m1, 3: m3, 6: m6, 9: m9, 12: m12}
    for month in missing:
        del visits[month]
    visits.update(extra or {})
    rows = []
    for month, changes in visits.items():
        unknown = set(changes or {}) - set(systems)
        assert not unknown, f"typo in a test: {unknown}"
        grades = dict.fromkeys(systems, "D") | (changes or {})
        rows += [(pid, month, s, grades[s]) for s in systems]
    return pd.DataFrame(rows, columns=COLUMNS)


def history_of(frame: pd.DataFrame) -> dict[float, dict[str, str]]:
    """The month -> {system: grade} mapping that classify_patient takes."""
    return {
        month: dict(zip(visit["system"], visit["grade"], strict=True))
        for month, visit in frame.groupby("month")
    }


#: The note BICLA (written for BILAG-2004) adds on classic data, as the scenarios use.
BICLA_ON_CLASSIC = "bicla was written for BILAG-2004 data; applied here to classic BILAG data"


def expected_note(definition: str, note: str) -> str:
    """A scenario's note, with the index note BICLA adds on classic data."""
    if definition != "bicla":
        return note
    return f"{note}; {BICLA_ON_CLASSIC}" if note else BICLA_ON_CLASSIC


def classify_one(frame: pd.DataFrame, definition: str, method: str) -> pd.Series:
    out = classify_response(frame, definition, method=method)
    assert list(out.columns) == OUTPUT_COLUMNS
    assert len(out) == 1
    return out.iloc[0]


def relapse_of(row: pd.Series) -> int | None:
    return None if pd.isna(row["relapse_month"]) else int(row["relapse_month"])


# --------------------------------------------------------------------------
# Reason texts, written out by hand from the rules
# --------------------------------------------------------------------------

W_MCR = "MCR: BILAG C or better in every system at month 6, and no new A score at months 1 to 6"
W_PCR_C3 = ("PCR: BILAG C or better in every system at month 3, and no new A or B score at "
            "months 1 and 3")
W_PCR_B6_RENAL = ("PCR: at month 6 no system is A and at most one is B (renal), with at most "
                  "one new A or B score through month 12")
W_PCR_B6_NONE = ("PCR: at month 6 no system is A and at most one is B (none), with at most one "
                 "new A or B score through month 12")
W_MISSING_6 = "NR: no visit at month 6, and a missing visit never counts as a response"
NO_BASELINE = "NR: no baseline visit (month 0), so change cannot be judged"
NO_ACTIVE = ("NR: no active disease at entry (no A and fewer than two B at baseline), so the "
             "entry rule is not met")
X_MCR = ("MCR: BILAG C or better in every system at month 6 with no EXPLORER flare, and still "
         "C or better at months 9 and 12")
X_PCR_C = ("PCR: BILAG C or better in every system at month 6 with no EXPLORER flare, still "
           "within the partial-response limits at month 9, and no EXPLORER flare to month 12")
X_LIMITS = ("at month 6 with no EXPLORER flare, still within the partial-response limits at "
            "month 9, and no EXPLORER flare to month 12")
B_RESPONDER = ("responder (BICLA, BILAG part only): at month 12 every baseline A and B "
               "improved, no new A and at most one new B")


@dataclass(frozen=True)
class Scenario:
    definition: str
    visits: pd.DataFrame
    response: str
    month: int
    reason: str | None  # None: the exact text is pinned by a named test instead
    relapse: int | None
    code: str
    note: str = ""


def sc(name: str, *args: object, **kwargs: object) -> object:
    return pytest.param(Scenario(*args, **kwargs), id=name)  # type: ignore[arg-type]


SCENARIOS = [
    # ---------------------------------------------------------------- wang2014
    # Renal nephritis graded A at baseline eases to B at month 1, settles to C
    # by month 3 and stays quiet: the textbook major responder. A to B is an
    # improvement, not a new B.
    sc("wang_textbook_mcr", "wang2014",
       patient(baseline={"renal": "A"}, m1={"renal": "B"}, m3={"renal": "C"},
               m6={"renal": "C"}, m9={"renal": "C"}, m12={"renal": "C"}),
       "MCR", 6, W_MCR, None, "w_mcr"),
    # Active nephritis (A) and rash (B) both go quiet from month 1; the kidney
    # flares severely at month 9 and settles again: MCR decided at month 6,
    # with the relapse reported at month 9.
    sc("wang_mcr_relapse_at_9", "wang2014",
       patient(baseline={"renal": "A", "mucocutaneous": "B"}, m9={"renal": "A"},
               m12={"renal": "C"}),
       "MCR", 6, W_MCR, 9, "w_mcr"),
    # Nephritis settles at once, but a moderate rash (new B) appears at month 1
    # and clears by month 3. Only a *severe* flare (new A) rules out MCR.
    sc("wang_mcr_despite_new_b_at_1", "wang2014",
       patient(baseline={"renal": "A"}, m1={"mucocutaneous": "B"}),
       "MCR", 6, W_MCR, None, "w_mcr"),
    # Nephritis (A) improves to B then C by month 3 (partial response, route 1),
    # then flares back to A at month 6 and 9: PCR decided at month 3, relapse
    # at month 6 (A compared with C at month 3).
    sc("wang_pcr_route1_relapse_at_6", "wang2014",
       patient(baseline={"renal": "A"}, m1={"renal": "B"}, m3={"renal": "C"},
               m6={"renal": "A"}, m9={"renal": "A"}, m12={"renal": "B"}),
       "PCR", 3, W_PCR_C3, 6, "w_pcr_c3"),
    # Nephritis quiet (C) at month 3, but the month-6 visit was missed: MCR
    # needs month 6 so it fails; route 1 needs only months 1 and 3, so PCR.
    # Months 9 and 12 stay quiet: no relapse.
    sc("wang_pcr_route1_month_6_missed", "wang2014",
       patient(baseline={"renal": "A"}, m1={"renal": "B"}, m3={"renal": "C"},
               missing=(6,)),
       "PCR", 3, W_PCR_C3, None, "w_pcr_c3", "missing visits: 6"),
    # Nephritis A and anaemia B: the kidney is still B at month 6, the blood
    # has settled; no system was ever newly A or B. Route 2: PCR naming renal.
    sc("wang_pcr_route2_one_b_left", "wang2014",
       patient(baseline={"renal": "A", "haematological": "B"},
               m1={"renal": "A", "haematological": "B"},
               m3={"renal": "B", "haematological": "B"},
               m6={"renal": "B"}, m9={"renal": "C"}, m12={"renal": "C"}),
       "PCR", 6, W_PCR_B6_RENAL, None, "w_pcr_b6"),
    # Nephritis improves, but a severe arthritis (new A) flares at month 1 and
    # settles: MCR is ruled out, and route 1 too (kidney still B at month 3).
    # At month 6 nothing is A or B and only one system ever newly flared, so
    # PCR by route 2; the kidney slips from C to B at month 9: relapse at 9.
    sc("wang_pcr_route2_one_flare_then_relapse", "wang2014",
       patient(baseline={"renal": "A"}, m1={"renal": "A", "musculoskeletal": "A"},
               m3={"renal": "B", "musculoskeletal": "C"}, m6={"renal": "C"},
               m9={"renal": "B"}, m12={"renal": "C"}),
       "PCR", 6, W_PCR_B6_NONE, 9, "w_pcr_b6"),
    # Nephritis A improves to B by month 3, then the month-6 visit is missed;
    # months 9 and 12 look perfect but cannot stand in for month 6.
    sc("wang_missing_month_6", "wang2014",
       patient(baseline={"renal": "A"}, m1={"renal": "A"}, m3={"renal": "B"},
               missing=(6,)),
       "NR", 6, W_MISSING_6, None, "w_missing_6", "missing visits: 6"),
    # Refractory nephritis: still A at month 6 (the rash has settled).
    sc("wang_renal_still_a_at_6", "wang2014",
       patient(baseline={"renal": "A", "mucocutaneous": "B"}, m1={"renal": "A"},
               m3={"renal": "A", "mucocutaneous": "C"},
               m6={"renal": "A", "mucocutaneous": "C"}, m9={"renal": "B"},
               m12={"renal": "B"}),
       "NR", 6, "NR: BILAG A in renal at month 6; no A is allowed at month 6", None,
       "w_a_at_6"),
    # Cerebral lupus and nephritis both still A at month 6: the reason names the
    # first in the index's order (neurological comes before renal).
    sc("wang_two_a_at_6_first_named", "wang2014",
       patient(baseline={"renal": "A", "neurological": "A"},
               m1={"renal": "A", "neurological": "A"},
               m3={"renal": "A", "neurological": "A"},
               m6={"renal": "A", "neurological": "A"}),
       "NR", 6, "NR: BILAG A in neurological at month 6; no A is allowed at month 6", None,
       "w_a_at_6"),
    # Severe rash and nephritis both ease to B, but both are still B at month 6:
    # at most one B is allowed.
    sc("wang_two_b_at_6", "wang2014",
       patient(baseline={"mucocutaneous": "A", "renal": "A"},
               m1={"mucocutaneous": "A", "renal": "A"},
               m3={"mucocutaneous": "B", "renal": "B"},
               m6={"mucocutaneous": "B", "renal": "B"},
               m9={"mucocutaneous": "C", "renal": "C"},
               m12={"mucocutaneous": "C", "renal": "C"}),
       "NR", 6, "NR: BILAG B in mucocutaneous and renal at month 6; at most one B is allowed",
       None, "w_two_b_at_6"),
    # Nephritis eases (B at month 6), but a new rash (B) at month 1 and then new
    # cerebral lupus (A) at month 3: the second system with a new score decides.
    sc("wang_second_system_flares_at_3", "wang2014",
       patient(baseline={"renal": "A"}, m1={"mucocutaneous": "B"},
               m3={"renal": "C", "neurological": "A"}, m6={"renal": "B"},
               m9={"renal": "C"}, m12={"renal": "C"}),
       "NR", 3,
       "NR: new A score in neurological at month 3, the second system with a new A or B "
       "score", None, "w_second_flare"),
    # Nephritis smoulders at B through month 6 (one B allowed); new moderate
    # rash at month 9, then new moderate anaemia at month 12: the second new
    # system, at month 12, turns a partial response into NR.
    sc("wang_second_new_score_at_12", "wang2014",
       patient(baseline={"renal": "A"}, m1={"renal": "B"}, m3={"renal": "B"},
               m6={"renal": "B"}, m9={"renal": "C", "mucocutaneous": "B"},
               m12={"renal": "C", "haematological": "B"}),
       "NR", 12,
       "NR: new B score in haematological at month 12, the second system with a new A or "
       "B score", None, "w_second_flare"),
    # Two systems newly B at the same visit (month 9): general and blood. The
    # second one, in the index's order, is haematological.
    sc("wang_two_new_scores_same_visit", "wang2014",
       patient(baseline={"renal": "A"}, m1={"renal": "B"}, m3={"renal": "B"},
               m6={"renal": "B"}, m9={"general": "B", "haematological": "B"}),
       "NR", 9,
       "NR: new B score in haematological at month 9, the second system with a new A or B "
       "score", None, "w_second_flare"),
    # A rash present only as C at baseline becomes B at month 6 (a new B, the
    # only one): not C or better at 6, so not MCR; route 1 holds at month 3
    # (all quiet, nothing new), so PCR at 3, with the month-6 B as relapse.
    sc("wang_pcr_route1_new_b_at_6_is_relapse", "wang2014",
       patient(baseline={"renal": "A", "mucocutaneous": "C"},
               m6={"renal": "C", "mucocutaneous": "B"},
               m9={"renal": "C", "mucocutaneous": "B"},
               m12={"renal": "C", "mucocutaneous": "C"}),
       "PCR", 3, W_PCR_C3, 6, "w_pcr_c3"),
    # No baseline visit at all: change cannot be judged.
    sc("wang_no_baseline", "wang2014",
       patient(baseline={"renal": "C"}, m1={"renal": "C"}, missing=(0,)),
       "NR", 0, NO_BASELINE, None, "no_baseline", "missing visits: 0"),
    # Entry rule (issue 13): mild nephritis (C) and one moderate rash (B) at
    # baseline is not active disease at entry (no A, fewer than two B), so the
    # quiet year after it is not a response.
    sc("wang_no_active_disease", "wang2014",
       patient(baseline={"renal": "C", "mucocutaneous": "B"}),
       "NR", 0, NO_ACTIVE, None, "no_active_disease"),
    # ---------------------------------------------------------------- explorer
    # Nephritis A and rash B improve steadily with no flare; all quiet at
    # month 6 and nothing new at months 9 and 12: EXPLORER major response.
    sc("explorer_textbook_mcr", "explorer",
       patient(baseline={"renal": "A", "mucocutaneous": "B"},
               m1={"renal": "B", "mucocutaneous": "B"},
               m3={"renal": "C", "mucocutaneous": "C"}, m6={"renal": "C"},
               m9={"renal": "C"}, m12={"renal": "D"}),
       "MCR", 6, X_MCR, None, "x_mcr"),
    # New rash (B) at month 1 and new arthritis (B) at month 3: one new B per
    # visit is not a flare (a moderate flare needs two at one visit). MCR.
    sc("explorer_single_new_bs_are_not_a_flare", "explorer",
       patient(baseline={"renal": "A"}, m1={"mucocutaneous": "B"},
               m3={"musculoskeletal": "B"}, m6={"renal": "C"}, m9={"renal": "C"},
               m12={"renal": "C"}),
       "MCR", 6, X_MCR, None, "x_mcr"),
    # Nephritis quiet from month 1, but B again at month 12 (new compared with
    # month 6): not a major response, a partial one, relapse at 12.
    sc("explorer_pcr_c_new_b_at_12", "explorer",
       patient(baseline={"renal": "A"}, m1={"renal": "C"}, m3={"renal": "C"},
               m6={"renal": "C"}, m9={"renal": "C"}, m12={"renal": "B"}),
       "PCR", 6, X_PCR_C, 12, "x_pcr_c"),
    # Nephritis A improves only to B by month 6 and stays B at month 9: one B.
    sc("explorer_pcr_one_b", "explorer",
       patient(baseline={"renal": "A"}, m1={"renal": "A"}, m3={"renal": "B"},
               m6={"renal": "B"}, m9={"renal": "B"}, m12={"renal": "C"}),
       "PCR", 6, f"PCR: no A and one B, not a new score (renal), {X_LIMITS}", None,
       "x_pcr_one_b"),
    # Nephritis settles; a mild rash (C at baseline) becomes B at month 6 (a
    # single new B: not an EXPLORER flare) and stays B at month 9. Changed by
    # issue 13 (was PCR): the one B allowed at week 24 must not be a new score.
    sc("explorer_pcr_one_new_b", "explorer",
       patient(baseline={"renal": "A", "mucocutaneous": "C"},
               m6={"renal": "C", "mucocutaneous": "B"},
               m9={"renal": "C", "mucocutaneous": "B"},
               m12={"renal": "C", "mucocutaneous": "C"}),
       "NR", 6,
       "NR: new B score in mucocutaneous at month 6; the one B allowed at week 24 must not be "
       "a new score", None, "x_new_b_at_6"),
    # Severe rash and nephritis (both A) both improve to B: two Bs are allowed
    # when each was A at baseline.
    sc("explorer_pcr_a_to_b", "explorer",
       patient(baseline={"mucocutaneous": "A", "renal": "A"},
               m1={"mucocutaneous": "A", "renal": "A"},
               m3={"mucocutaneous": "B", "renal": "B"},
               m6={"mucocutaneous": "B", "renal": "B"},
               m9={"mucocutaneous": "B", "renal": "B"},
               m12={"mucocutaneous": "B", "renal": "C"}),
       "PCR", 6, f"PCR: baseline A improved to B (mucocutaneous and renal) {X_LIMITS}", None,
       "x_pcr_a_to_b"),
    # Week-24 visit missed.
    sc("explorer_missing_6", "explorer",
       patient(baseline={"renal": "A"}, m1={"renal": "C"}, m3={"renal": "C"},
               m9={"renal": "C"}, m12={"renal": "C"}, missing=(6,)),
       "NR", 6,
       "NR: no visit at month 6 (week 24), and a missing visit never counts as a response",
       None, "x_missing_6", "missing visits: 6"),
    # Moderate nephritis and arthritis (so active at entry); at month 3 new
    # cerebral lupus (A) together with two new Bs (rash, anaemia): a new A
    # names the EXPLORER flare. (Arthritis added to the baseline by issue 13's
    # entry rule; the outcome is unchanged.)
    sc("explorer_severe_flare_at_3", "explorer",
       patient(baseline={"renal": "B", "musculoskeletal": "B"}, m1={"renal": "B"},
               m3={"renal": "C", "neurological": "A", "mucocutaneous": "B",
                   "haematological": "B"},
               m6={"renal": "C"}, m9={"renal": "C"}, m12={"renal": "C"}),
       "NR", 3, "NR: EXPLORER flare at month 3: new A score in neurological",
       None, "x_severe_flare"),
    # New rash and new arthritis (two new Bs) at month 1, then new cerebral
    # lupus at month 3: the first flare in time (moderate, month 1) decides.
    sc("explorer_moderate_flare_at_1", "explorer",
       patient(baseline={"renal": "A"},
               m1={"renal": "A", "mucocutaneous": "B", "musculoskeletal": "B"},
               m3={"renal": "B", "neurological": "A"}, m6={"renal": "C"},
               m9={"renal": "C"}, m12={"renal": "C"}),
       "NR", 1,
       "NR: EXPLORER flare at month 1: new B scores in mucocutaneous and musculoskeletal",
       None, "x_moderate_flare"),
    # Nephritis quiet from month 1 and maintained at month 9, but at month 12
    # new rash and new anaemia (two new B): an EXPLORER flare after week 24
    # ends the response (issue 13: was PCR with a relapse at 12).
    sc("explorer_flare_at_12", "explorer",
       patient(baseline={"renal": "A"}, m1={"renal": "C"}, m3={"renal": "C"},
               m6={"renal": "C"}, m9={"renal": "C"},
               m12={"renal": "C", "mucocutaneous": "B", "haematological": "B"}),
       "NR", 12,
       "NR: EXPLORER flare at month 12: new B scores in mucocutaneous and haematological",
       None, "x_moderate_flare"),
    # Refractory nephritis, still A at week 24 (not new: no flare).
    sc("explorer_a_at_6", "explorer",
       patient(baseline={"renal": "A"}, m1={"renal": "A"}, m3={"renal": "A"},
               m6={"renal": "A"}, m9={"renal": "B"}, m12={"renal": "C"}),
       "NR", 6, "NR: BILAG A in renal at month 6; no A is allowed at week 24", None,
       "x_a_at_6"),
    # Nephritis A eases to B; a mild rash (C) becomes B at month 6: two Bs, and
    # the rash was not A at baseline, so the exception does not apply.
    sc("explorer_b_at_6", "explorer",
       patient(baseline={"renal": "A", "mucocutaneous": "C"}, m1={"renal": "B"},
               m3={"renal": "B"}, m6={"renal": "B", "mucocutaneous": "B"},
               m9={"renal": "B", "mucocutaneous": "B"}, m12={"renal": "C"}),
       "NR", 6,
       "NR: BILAG B in mucocutaneous at month 6; at most one B is allowed unless each was A "
       "at baseline", None, "x_b_at_6"),
    # Quiet at week 24 but the month-9 visit was missed: maintenance unproven.
    sc("explorer_missing_9", "explorer",
       patient(baseline={"renal": "A"}, m6={"renal": "C"}, m12={"renal": "C"}, missing=(9,)),
       "NR", 9, "NR: no visit at month 9 to show the response was maintained", None,
       "x_missing_9", "missing visits: 9"),
    # Nephritis quiet at month 6, B again at month 9: not maintained.
    sc("explorer_not_maintained_b", "explorer",
       patient(baseline={"renal": "A"}, m1={"renal": "B"}, m3={"renal": "C"},
               m6={"renal": "C"}, m9={"renal": "B", "haematological": "B"},
               m12={"renal": "C"}),
       "NR", 9,
       "NR: BILAG B in haematological at month 9, so the response was not maintained",
       None, "x_not_maintained"),
    # The kidney (A at baseline) is back to B at month 9 but nothing else is
    # active: still within the partial-response limits (one B), so PCR, and the
    # month-9 flare (C -> B) is reported as a relapse.
    sc("explorer_pcr_with_relapse", "explorer",
       patient(baseline={"renal": "A"}, m1={"renal": "B"}, m3={"renal": "C"},
               m6={"renal": "C"}, m9={"renal": "B"}, m12={"renal": "C"}),
       "PCR", 6, X_PCR_C, 9, "x_pcr_c"),
    # At month 9 the kidney is B again and cerebral lupus appears (A): the
    # reason names the first system in the index's order (neurological).
    sc("explorer_not_maintained_a", "explorer",
       patient(baseline={"renal": "A"}, m6={"renal": "C"},
               m9={"renal": "B", "neurological": "A"}),
       "NR", 9,
       "NR: BILAG A in neurological at month 9, so the response was not maintained",
       None, "x_not_maintained"),
    sc("explorer_no_baseline", "explorer",
       patient(baseline={"renal": "A"}, missing=(0,)),
       "NR", 0, NO_BASELINE, None, "no_baseline", "missing visits: 0"),
    # Only a mild rash (C) at baseline: no active disease at entry.
    sc("explorer_no_active_disease", "explorer",
       patient(baseline={"mucocutaneous": "C"}),
       "NR", 0, NO_ACTIVE, None, "no_active_disease"),
    # ------------------------------------------------------------------- bicla
    # Nephritis A improves to B, rash B to C, and one new B (anaemia) is
    # allowed: BICLA responder (BILAG part).
    sc("bicla_responder", "bicla",
       patient(baseline={"renal": "A", "mucocutaneous": "B"},
               m12={"renal": "B", "mucocutaneous": "C", "haematological": "B"},
               missing=ONLY_0_AND_12),
       "responder", 12, B_RESPONDER, None, "b_responder"),
    # The month-12 visit is missing.
    sc("bicla_missing_12", "bicla",
       patient(baseline={"renal": "A"}, missing=(1, 3, 6, 9, 12)),
       "NR", 12, "NR (BICLA, BILAG part only): no visit at month 12", None, "b_missing_12",
       "missing visits: 12"),
    # Nephritis A at baseline and still A at month 12.
    sc("bicla_persistent_a", "bicla",
       patient(baseline={"renal": "A"}, m12={"renal": "A"}, missing=ONLY_0_AND_12),
       "NR", 12,
       "NR (BICLA, BILAG part only): renal was A at baseline and is still A at month 12",
       None, "b_persistent_a"),
    # Rash B at baseline, still B at month 12 (the kidney improved).
    sc("bicla_persistent_b", "bicla",
       patient(baseline={"mucocutaneous": "B", "renal": "A"},
               m12={"mucocutaneous": "B", "renal": "C"}, missing=ONLY_0_AND_12),
       "NR", 12,
       "NR (BICLA, BILAG part only): mucocutaneous was B at baseline and is B at month 12, "
       "not C or better", None, "b_persistent_b"),
    # Rash and anaemia B at baseline (active at entry: two B); the rash
    # settles, the anaemia worsens to A at month 12. (Rash added to the
    # baseline by issue 13's entry rule; the outcome is unchanged.)
    sc("bicla_b_worsens_to_a", "bicla",
       patient(baseline={"mucocutaneous": "B", "haematological": "B"},
               m12={"haematological": "A"},
               missing=ONLY_0_AND_12),
       "NR", 12,
       "NR (BICLA, BILAG part only): haematological was B at baseline and is A at month 12, "
       "not C or better", None, "b_persistent_b"),
    # Nephritis settles but cerebral lupus appears (new A) at month 12.
    sc("bicla_new_a", "bicla",
       patient(baseline={"renal": "A"}, m12={"renal": "C", "neurological": "A"},
               missing=ONLY_0_AND_12),
       "NR", 12,
       "NR (BICLA, BILAG part only): new BILAG A in neurological at month 12 compared with "
       "baseline", None, "b_new_a"),
    # Nephritis settles but two new Bs (rash, anaemia) at month 12.
    sc("bicla_two_new_b", "bicla",
       patient(baseline={"renal": "A"},
               m12={"renal": "C", "mucocutaneous": "B", "haematological": "B"},
               missing=ONLY_0_AND_12),
       "NR", 12,
       "NR (BICLA, BILAG part only): new BILAG B in mucocutaneous and haematological at "
       "month 12; at most one new B is allowed", None, "b_new_b"),
    # No baseline: NR decided at month 0 (the wording is pinned by
    # test_bicla_reason_says_bilag_part_only).
    sc("bicla_no_baseline", "bicla",
       patient(baseline={"renal": "A"}, missing=(0, 1, 3, 6, 9)),
       "NR", 0,
       "NR (BICLA, BILAG part only): no baseline visit (month 0), so change cannot be judged",
       None, "b_no_baseline", "missing visits: 0"),
    # One moderate rash (B) at baseline and nothing else: not active at entry.
    sc("bicla_no_active_disease", "bicla",
       patient(baseline={"mucocutaneous": "B"}, missing=ONLY_0_AND_12),
       "NR", 0,
       "NR (BICLA, BILAG part only): no active disease at entry (no A and fewer than two B at "
       "baseline), so the entry rule is not met", None, "b_no_active_disease"),
]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scenario(scenario: Scenario, method: str) -> None:
    row = classify_one(scenario.visits, scenario.definition, method)
    assert row["patient_id"] == "p1"
    assert row["response"] == scenario.response
    assert row["deciding_month"] == scenario.month
    if scenario.reason is not None:
        assert row["reason"] == scenario.reason
    else:
        assert row["reason"].startswith(scenario.response)
    assert relapse_of(row) == scenario.relapse
    assert row["note"] == expected_note(scenario.definition, scenario.note)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scenario_decision_code(scenario: Scenario) -> None:
    """The rule that fired, as classify_patient reports it (pins branch coverage)."""
    result = classify_patient(history_of(scenario.visits), scenario.definition)
    assert result.code == scenario.code
    assert result.response.value == scenario.response
    assert result.deciding_month == scenario.month
    assert result.relapse_month == scenario.relapse


def test_scenarios_cover_every_decision_code_of_every_definition() -> None:
    prefix = {"wang2014": "w_", "explorer": "x_", "bicla": "b_"}
    covered: dict[str, set[str]] = {name: set() for name in DEFINITIONS}
    for param in SCENARIOS:
        scenario = param.values[0]
        covered[scenario.definition].add(scenario.code)
    assert set(prefix) == set(DEFINITIONS)
    for name, start in prefix.items():
        wanted = {c for c in _REASONS if c.startswith(start)}
        if f"{start}no_baseline" not in wanted:
            wanted.add("no_baseline")  # the shared no-baseline decision
        if f"{start}no_active_disease" not in wanted:
            wanted.add("no_active_disease")  # the shared entry-rule decision
        assert covered[name] == wanted, name
    assert len(SCENARIOS) >= 25


# --------------------------------------------------------------------------
# Choices named in DEFINITIONS[...].choices
# --------------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_new_a_is_judged_against_baseline(method: str) -> None:
    # Nephritis A at baseline, quiet (C) at month 1, A again at month 3, quiet
    # from month 6. Against baseline the month-3 A is not new (it was A at
    # baseline), so there is no severe flare and the patient is MCR under both
    # wang2014 and EXPLORER. Judged against the previous visit it would be a
    # severe flare.
    back_to_a = patient(baseline={"renal": "A"}, m1={"renal": "C"}, m3={"renal": "A"},
                        m6={"renal": "C"}, m9={"renal": "C"}, m12={"renal": "C"})
    row = classify_one(back_to_a, "wang2014", method)
    assert (row["response"], row["deciding_month"], row["reason"]) == ("MCR", 6, W_MCR)
    assert relapse_of(row) is None  # month 3 is before the decision at month 6
    row = classify_one(back_to_a, "explorer", method)
    assert (row["response"], row["deciding_month"], row["reason"]) == ("MCR", 6, X_MCR)
    # A relapse, in contrast, is judged against the previous visit: the kidney
    # A at baseline, C at month 6, A again at month 9 is not a new A compared
    # with baseline, but is caught as a relapse at month 9.
    flare_back = patient(baseline={"renal": "A"}, m1={"renal": "C"}, m3={"renal": "C"},
                         m6={"renal": "C"}, m9={"renal": "A"}, m12={"renal": "A"})
    row = classify_one(flare_back, "wang2014", method)
    assert (row["response"], row["reason"], relapse_of(row)) == ("MCR", W_MCR, 9)


@pytest.mark.parametrize("method", METHODS)
def test_missing_decision_visit_is_not_a_response(method: str) -> None:
    # wang2014: perfect at months 9 and 12, but month 6 missing and month 3
    # still B: NR, never imputed as good.
    no_6 = patient(baseline={"renal": "A"}, m1={"renal": "A"}, m3={"renal": "B"},
                   missing=(6,))
    row = classify_one(no_6, "wang2014", method)
    assert (row["response"], row["deciding_month"], row["reason"]) == ("NR", 6, W_MISSING_6)
    assert row["note"] == "missing visits: 6"
    # EXPLORER: month 9 (maintenance) missing gives NR even though 6 and 12 are quiet.
    no_9 = patient(baseline={"renal": "A"}, m6={"renal": "C"}, missing=(9,))
    row = classify_one(no_9, "explorer", method)
    assert (row["response"], row["deciding_month"]) == ("NR", 9)
    # BICLA: month 12 missing gives NR although month 9 shows full improvement.
    no_12 = patient(baseline={"renal": "A"}, missing=(12,))
    row = classify_one(no_12, "bicla", method)
    assert (row["response"], row["deciding_month"]) == ("NR", 12)
    assert row["reason"] == "NR (BICLA, BILAG part only): no visit at month 12"
    # Visits only scanned for flares are scanned where present: with months 1
    # and 3 missing, a quiet month 6 is still MCR under wang2014, and the note
    # says which visits are missing.
    gaps = patient(baseline={"renal": "A"}, m6={"renal": "C"}, missing=(1, 3))
    row = classify_one(gaps, "wang2014", method)
    assert (row["response"], row["reason"], row["note"]) == (
        "MCR", W_MCR, "missing visits: 1, 3")


@pytest.mark.parametrize("method", METHODS)
def test_wang_c_or_better_includes_d_and_e(method: str) -> None:
    # At month 6 the kidney is C, the rash D (inactive) and every other system
    # E (never involved): C or better everywhere, so MCR.
    mixed = patient(baseline={"renal": "A", "mucocutaneous": "B"},
                    m6={"renal": "C", "mucocutaneous": "D", "general": "E", "neurological": "E",
                        "musculoskeletal": "E", "cardiorespiratory": "E", "vasculitis": "E",
                        "haematological": "E"})
    # Exactly C in every system at month 6 is MCR too.
    all_c = patient(baseline={"renal": "A"},
                    m6=dict.fromkeys(system_names("classic"), "C"), pid="p2")
    # Everything E at month 6.
    all_e = patient(baseline={"renal": "A"},
                    m6=dict.fromkeys(system_names("classic"), "E"), pid="p3")
    out = classify_response(pd.concat([mixed, all_c, all_e]), "wang2014", method=method)
    assert out["patient_id"].tolist() == ["p1", "p2", "p3"]
    assert out["response"].tolist() == ["MCR", "MCR", "MCR"]
    assert out["reason"].tolist() == [W_MCR] * 3


@pytest.mark.parametrize("method", METHODS)
def test_wang_new_a_before_month_6_rules_out_mcr(method: str) -> None:
    # Moderate nephritis (B); a severe rash appears at month 3 (new A) and has
    # settled to C by month 6, as has the kidney. Not MCR (a severe flare at
    # month 3); route 1 fails (new A by month 3); route 2 holds (no A or B at
    # month 6, one new system only): PCR.
    settled = patient(baseline={"renal": "B", "haematological": "B"}, m1={"renal": "B"},
                      m3={"renal": "C", "mucocutaneous": "A"},
                      m6={"renal": "C", "mucocutaneous": "C"}, m9={"renal": "C"},
                      m12={"renal": "C"})
    row = classify_one(settled, "wang2014", method)
    assert (row["response"], row["deciding_month"], row["reason"]) == (
        "PCR", 6, W_PCR_B6_NONE)
    assert relapse_of(row) is None
    # The same rash at month 9 instead (after the month-6 decision) keeps the
    # MCR and is reported as a relapse.
    later = patient(baseline={"renal": "B", "haematological": "B"}, m1={"renal": "B"},
                    m3={"renal": "C"},
                    m6={"renal": "C"}, m9={"renal": "C", "mucocutaneous": "A"},
                    m12={"renal": "C"})
    row = classify_one(later, "wang2014", method)
    assert (row["response"], row["reason"], relapse_of(row)) == ("MCR", W_MCR, 9)


@pytest.mark.parametrize("method", METHODS)
def test_wang_relapse_after_mcr_keeps_mcr(method: str) -> None:
    # Nephritis A settles to C by month 3, then B at month 9 and A at month 12:
    # still MCR (decided at month 6), relapse at month 9.
    relapsing = patient(baseline={"renal": "A"}, m1={"renal": "B"}, m3={"renal": "C"},
                        m6={"renal": "C"}, m9={"renal": "B"}, m12={"renal": "A"})
    row = classify_one(relapsing, "wang2014", method)
    assert (row["response"], row["deciding_month"], row["reason"]) == ("MCR", 6, W_MCR)
    assert relapse_of(row) == 9


@pytest.mark.parametrize("method", METHODS)
def test_wang_second_new_score_gives_nr(method: str) -> None:
    # Nephritis smoulders at B (one B at month 6 allowed). The rash is newly B
    # at month 1 and again at month 9: one system, counted once, so PCR by
    # route 2; the month-9 rash is a relapse (B after D at month 6).
    same_system = patient(baseline={"renal": "A"}, m1={"renal": "B", "mucocutaneous": "B"},
                          m3={"renal": "B"}, m6={"renal": "B"},
                          m9={"renal": "C", "mucocutaneous": "B"}, m12={"renal": "C"})
    row = classify_one(same_system, "wang2014", method)
    assert (row["response"], row["deciding_month"], row["reason"]) == (
        "PCR", 6, W_PCR_B6_RENAL)
    assert relapse_of(row) == 9
    # A second *system* (anaemia, newly B at month 12) gives NR at month 12.
    second_system = patient(baseline={"renal": "A"},
                            m1={"renal": "B", "mucocutaneous": "B"}, m3={"renal": "B"},
                            m6={"renal": "B"}, m9={"renal": "C", "mucocutaneous": "B"},
                            m12={"renal": "C", "haematological": "B"})
    row = classify_one(second_system, "wang2014", method)
    assert (row["response"], row["deciding_month"]) == ("NR", 12)
    assert row["reason"] == (
        "NR: new B score in haematological at month 12, the second system with a new A or B "
        "score")
    assert relapse_of(row) is None


@pytest.mark.parametrize("method", METHODS)
def test_wang_pcr_route_1_with_later_relapse(method: str) -> None:
    # Nephritis A improves to C by month 3 (nothing new): PCR by route 1, even
    # though the kidney is A again from month 6; the relapse is at month 6.
    row = classify_one(
        patient(baseline={"renal": "A"}, m1={"renal": "B"}, m3={"renal": "C"},
                m6={"renal": "A"}, m9={"renal": "A"}, m12={"renal": "A"}),
        "wang2014", method)
    assert (row["response"], row["deciding_month"], row["reason"]) == ("PCR", 3, W_PCR_C3)
    assert relapse_of(row) == 6


@pytest.mark.parametrize("method", METHODS)
def test_explorer_pcr_when_month_12_missing(method: str) -> None:
    # Quiet at week 24 (month 6), maintained at month 9, but the week-52
    # (month 12) visit is missing: MCR needs month 12, so PCR.
    no_12 = patient(baseline={"renal": "A"}, m1={"renal": "B"}, m3={"renal": "C"},
                    m6={"renal": "C"}, m9={"renal": "C"}, missing=(12,))
    row = classify_one(no_12, "explorer", method)
    assert (row["response"], row["deciding_month"], row["reason"]) == ("PCR", 6, X_PCR_C)
    assert relapse_of(row) is None
    assert row["note"] == "missing visits: 12"
    # The same patient seen and quiet at month 12 is MCR.
    seen = patient(baseline={"renal": "A"}, m1={"renal": "B"}, m3={"renal": "C"},
                   m6={"renal": "C"}, m9={"renal": "C"}, m12={"renal": "C"})
    row = classify_one(seen, "explorer", method)
    assert (row["response"], row["reason"]) == ("MCR", X_MCR)


def _bicla_cohort() -> pd.DataFrame:
    """One patient per BICLA outcome (every b_* code and no baseline)."""
    quiet12 = ONLY_0_AND_12
    return pd.concat([
        patient("resp", baseline={"renal": "A"}, m12={"renal": "B"}, missing=quiet12),
        patient("miss12", baseline={"renal": "A"}, missing=(1, 3, 6, 9, 12)),
        patient("pa", baseline={"renal": "A"}, m12={"renal": "A"}, missing=quiet12),
        patient("pb", baseline={"renal": "B", "general": "B"}, m12={"renal": "B"},
                missing=quiet12),
        patient("na", baseline={"renal": "A"}, m12={"general": "A"}, missing=quiet12),
        patient("nb", baseline={"renal": "A"}, m12={"general": "B", "vasculitis": "B"},
                missing=quiet12),
        patient("nobase", baseline={"renal": "A"}, missing=(0, 1, 3, 6, 9)),
    ])


@pytest.mark.parametrize("method", METHODS)
def test_bicla_reason_says_bilag_part_only(method: str) -> None:
    # The choice: "Only the BILAG part is computed, and every reason says so."
    out = classify_response(_bicla_cohort(), "bicla", method=method)
    assert len(out) == 7
    lacking = [
        (pid, reason) for pid, reason in zip(out["patient_id"], out["reason"], strict=True)
        if "BILAG part only" not in reason
    ]
    assert lacking == []


@pytest.mark.parametrize("method", METHODS)
def test_bicla_judged_at_month_12_against_baseline(method: str) -> None:
    # Nephritis A at baseline; new cerebral lupus (A) at month 6 settles; the
    # kidney is D at month 9 but B at month 12. Against baseline the kidney
    # improved (A to B) and nothing is new at month 12: responder. (Against
    # month 9 the kidney would have worsened; month 6 is not looked at.)
    wobbly = patient(baseline={"renal": "A"}, m1={"renal": "B"}, m3={"renal": "C"},
                     m6={"renal": "C", "neurological": "A"},
                     m9={"neurological": "C"}, m12={"renal": "B"})
    row = classify_one(wobbly, "bicla", method)
    assert (row["response"], row["deciding_month"], row["reason"]) == (
        "responder", 12, B_RESPONDER)
    assert relapse_of(row) is None  # BICLA never reports a relapse
    # Quiet at months 1 to 9 but nephritis A again at month 12: NR.
    late = patient(baseline={"renal": "A"}, m12={"renal": "A"})
    row = classify_one(late, "bicla", method)
    assert (row["response"], row["deciding_month"]) == ("NR", 12)
    assert row["reason"] == (
        "NR (BICLA, BILAG part only): renal was A at baseline and is still A at month 12")


@pytest.mark.parametrize("method", METHODS)
def test_milder_month_6_grade_never_makes_explorer_worse(method: str) -> None:
    # The first shared choice (it applies to EXPLORER too) says new scores are
    # judged against baseline "so making a later grade milder can never make a
    # response worse". Nephritis A at baseline, B at months 3, 6 and 9, C at
    # month 12: one B at month 6, not new at month 9 compared with month 6, so
    # EXPLORER PCR (one B).
    kidney_b_at_6 = patient(baseline={"renal": "A"}, m1={"renal": "A"}, m3={"renal": "B"},
                            m6={"renal": "B"}, m9={"renal": "B"}, m12={"renal": "C"})
    row = classify_one(kidney_b_at_6, "explorer", method)
    assert (row["response"], row["deciding_month"]) == ("PCR", 6)
    # The same patient with the kidney *milder* (C) at month 6 and nothing
    # else changed must not be classified worse than PCR.
    kidney_c_at_6 = patient(baseline={"renal": "A"}, m1={"renal": "A"}, m3={"renal": "B"},
                            m6={"renal": "C"}, m9={"renal": "B"}, m12={"renal": "C"})
    row = classify_one(kidney_c_at_6, "explorer", method)
    assert row["response"] in ("MCR", "PCR"), row["reason"]


def _load_test_module(filename: str) -> object:
    if filename == Path(__file__).name:
        return sys.modules[__name__]
    path = Path(__file__).with_name(filename)
    spec = importlib.util.spec_from_file_location(f"_choice_check_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_choice_names_an_existing_test() -> None:
    modules = [_load_test_module(f) for f in (
        "test_response.py", "test_response_properties.py", "test_classify_cli.py",
        "test_vocabulary.py")]
    named = [(d.name, c.test) for d in DEFINITIONS.values() for c in d.choices]
    assert named, "no choices documented"
    absent = [
        (definition, test) for definition, test in named
        if not (test.startswith("test_")
                and any(callable(getattr(m, test, None)) for m in modules))
    ]
    assert absent == []
    # the choices table shown in the book has the same names
    for definition in DEFINITIONS.values():
        frame = definition.choices_frame()
        assert frame["test"].tolist() == [c.test for c in definition.choices]


# --------------------------------------------------------------------------
# Notes, patients kept, BILAG-2004
# --------------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_note_lists_missing_visits(method: str) -> None:
    gappy = patient(baseline={"renal": "A"}, m6={"renal": "C"}, missing=(1, 9))
    row = classify_one(gappy, "wang2014", method)
    assert row["note"] == "missing visits: 1, 9"
    assert row["response"] == "MCR"  # month 9 is only scanned for flares
    row = classify_one(gappy, "explorer", method)
    assert row["note"] == "missing visits: 1, 9"
    assert (row["response"], row["deciding_month"]) == ("NR", 9)
    # BICLA's own schedule is months 0 and 12: nothing of it is missing, and
    # the other visits present are listed as not used.
    row = classify_one(gappy, "bicla", method)
    assert "missing" not in row["note"]
    assert "were not used" in row["note"]
    assert "3, 6, 12" not in row["note"]
    assert "3, 6" in row["note"]


@pytest.mark.parametrize("method", METHODS)
def test_off_schedule_visits_are_listed_and_not_used(method: str) -> None:
    # Nephritis quiet from month 1; an unscheduled visit at month 2 records
    # cerebral lupus (A), another at month 1.5 a new rash. They are not on the
    # schedule, so they are not used (else MCR would be ruled out), and the
    # note says so.
    extra = patient(baseline={"renal": "A"},
                    extra={2: {"neurological": "A"}, 1.5: {"mucocutaneous": "B"}},
                    missing=(9,))
    row = classify_one(extra, "wang2014", method)
    assert (row["response"], row["reason"]) == ("MCR", W_MCR)
    assert relapse_of(row) is None
    parts = row["note"].split("; ")
    assert parts[0] == "missing visits: 9"
    assert len(parts) == 2
    assert "were not used" in parts[1]
    assert "1.5, 2" in parts[1]


@pytest.mark.parametrize("definition", sorted(DEFINITIONS))
@pytest.mark.parametrize("method", METHODS)
def test_every_patient_kept_in_order_of_first_appearance(definition: str, method: str) -> None:
    frames = {
        "zeta": patient("zeta", baseline={"renal": "A"}),
        "alpha": patient("alpha", baseline={"renal": "A"}, missing=(0,)),
        "10": patient("10", baseline={"renal": "A"}, missing=(1, 3, 6, 9, 12)),
        # a patient seen only at an off-schedule month
        "odd": patient("odd", missing=SCHEDULE, extra={2: {"renal": "B"}}),
        "2": patient("2", baseline={"renal": "B"}, m6={"renal": "A"}),
    }
    # interleave: every patient's first row comes in the order above, then
    # the remaining rows are mixed (reversed).
    firsts = pd.concat([f.iloc[:1] for f in frames.values()])
    rests = pd.concat([f.iloc[1:] for f in frames.values()]).iloc[::-1]
    cohort = pd.concat([firsts, rests], ignore_index=True)
    out = classify_response(cohort, definition, method=method)
    assert out["patient_id"].tolist() == ["zeta", "alpha", "10", "odd", "2"]
    assert list(out.columns) == OUTPUT_COLUMNS
    by_id = out.set_index("patient_id")
    assert by_id.loc["alpha", "response"] == "NR"
    assert by_id.loc["alpha", "deciding_month"] == 0
    assert by_id.loc["odd", "deciding_month"] == 0
    assert "missing visits: 0" in by_id.loc["odd", "note"]
    assert "were not used" in by_id.loc["odd", "note"]
    assert by_id.loc["zeta", "response"] in ("MCR", "responder")


@pytest.mark.parametrize("method", METHODS)
def test_bilag2004_data(method: str) -> None:
    # BILAG-2004 has nine systems: constitutional, mucocutaneous,
    # neuropsychiatric, musculoskeletal, cardiorespiratory, gastrointestinal,
    # ophthalmic, renal, haematological.
    # q1: severe eye disease (A) and moderate gut disease (B) both B at month 6.
    q1 = patient("q1", index="2004",
                 baseline={"ophthalmic": "A", "gastrointestinal": "B"},
                 m1={"ophthalmic": "A", "gastrointestinal": "B"},
                 m3={"ophthalmic": "B", "gastrointestinal": "B"},
                 m6={"ophthalmic": "B", "gastrointestinal": "B"},
                 m9={"ophthalmic": "B", "gastrointestinal": "B"},
                 m12={"ophthalmic": "B", "gastrointestinal": "C"})
    # q2: constitutional A settles to C from month 1: a responder everywhere.
    q2 = patient("q2", index="2004", baseline={"constitutional": "A"},
                 m1={"constitutional": "C"}, m3={"constitutional": "C"},
                 m6={"constitutional": "C"}, m9={"constitutional": "C"},
                 m12={"constitutional": "C"})
    # q3: renal A settles, but at month 12 new Bs in the eye and the blood
    # (the ninth system).
    q3 = patient("q3", index="2004", baseline={"renal": "A"},
                 m12={"ophthalmic": "B", "haematological": "B"})
    cohort = pd.concat([q1, q2, q3], ignore_index=True)

    wang = classify_response(cohort, "wang2014", method=method).set_index("patient_id")
    assert wang.loc["q1", "reason"] == (
        "NR: BILAG B in gastrointestinal and ophthalmic at month 6; at most one B is allowed")
    assert (wang.loc["q2", "response"], wang.loc["q2", "reason"]) == ("MCR", W_MCR)
    # q3: MCR at month 6; at month 12 two systems newly B compared with month 9
    assert (wang.loc["q3", "response"], wang.loc["q3", "relapse_month"]) == ("MCR", 12)

    explorer = classify_response(cohort, "explorer", method=method).set_index("patient_id")
    # the gut was not A at baseline, so two Bs are not allowed
    assert explorer.loc["q1", "reason"] == (
        "NR: BILAG B in gastrointestinal at month 6; at most one B is allowed unless each "
        "was A at baseline")
    assert explorer.loc["q2", "response"] == "MCR"
    # q3: two new Bs at month 12 (compared with baseline) are an EXPLORER flare
    # after week 24: NR (issue 13; was PCR with a relapse at 12)
    assert explorer.loc["q3", "reason"] == (
        "NR: EXPLORER flare at month 12: new B scores in ophthalmic and haematological")

    bicla = classify_response(cohort, "bicla", method=method).set_index("patient_id")
    # q1: gut B at baseline is C at 12 (improved), eye A is B (improved): responder
    assert bicla.loc["q1", "response"] == "responder"
    assert bicla.loc["q2", "response"] == "responder"
    assert bicla.loc["q3", "reason"] == (
        "NR (BICLA, BILAG part only): new BILAG B in ophthalmic and haematological at month "
        "12; at most one new B is allowed")


# --------------------------------------------------------------------------
# Errors and the public API
# --------------------------------------------------------------------------


def test_unknown_definition_and_method() -> None:
    visits = patient(baseline={"renal": "A"})
    with pytest.raises(UnknownNameError, match="sri9"):
        classify_response(visits, "sri9")
    with pytest.raises(UnknownNameError, match="fast"):
        classify_response(visits, "wang2014", method="fast")


@pytest.mark.parametrize("method", METHODS)
def test_invalid_data_is_refused(method: str) -> None:
    visits = patient(baseline={"renal": "A"})
    visits.loc[3, "grade"] = "F"
    with pytest.raises(DataValidationError, match="not a BILAG grade"):
        classify_response(visits, "wang2014", method=method)


def test_categories_match_definitions() -> None:
    assert DEFINITIONS["wang2014"].categories == (
        ResponseCategory.MCR, ResponseCategory.PCR, ResponseCategory.NR)
    assert DEFINITIONS["explorer"].categories == (
        ResponseCategory.MCR, ResponseCategory.PCR, ResponseCategory.NR)
    assert DEFINITIONS["bicla"].categories == (ResponseCategory.RESPONDER, ResponseCategory.NR)
    assert DEFINITIONS["bicla"].schedule == (0, 12)
    for name in ("wang2014", "explorer"):
        assert DEFINITIONS[name].schedule == SCHEDULE


def test_definitions_page_lists_every_rule_and_choice() -> None:
    from lupus_teach.response import definitions_markdown

    text = definitions_markdown()
    for definition in DEFINITIONS.values():
        assert f"`{definition.name}`" in text
        for rule in definition.rules:
            assert rule in text
        for choice in definition.choices:
            assert f"`{choice.test}`" in text and choice.choice in text


# --------------------------------------------------------------------------
# Choices added by issue 13 (entry rule, index version, EXPLORER's wording)
# --------------------------------------------------------------------------


@pytest.mark.parametrize("definition", sorted(DEFINITIONS))
@pytest.mark.parametrize("method", METHODS)
def test_no_active_disease_at_baseline_is_not_a_responder(definition: str, method: str) -> None:
    # A moderate rash (one B) and mild nephritis (C) at baseline, then every
    # system quiet (D) at every later visit. Without active disease at entry
    # (no A, fewer than two B) nobody can respond: NR at month 0, the reason
    # naming the entry rule.
    one_b = patient("one_b", baseline={"mucocutaneous": "B", "renal": "C"})
    # The same patient with a second B (arthritis) is active at entry and,
    # quiet from month 1, responds under every definition.
    two_b = patient("two_b", baseline={"mucocutaneous": "B", "renal": "C",
                                       "musculoskeletal": "B"})
    # Nothing active at all (every system D at baseline).
    nothing = patient("nothing")
    if definition == "bicla":
        frames = [f[f["month"].isin([0, 12])] for f in (one_b, two_b, nothing)]
    else:
        frames = [one_b, two_b, nothing]
    out = classify_response(pd.concat(frames), definition, method=method).set_index(
        "patient_id")
    for pid in ("one_b", "nothing"):
        assert out.loc[pid, "response"] == "NR"
        assert out.loc[pid, "deciding_month"] == 0
        assert "no active disease at entry" in out.loc[pid, "reason"]
        assert "entry rule is not met" in out.loc[pid, "reason"]
        assert pd.isna(out.loc[pid, "relapse_month"])
    assert out.loc["two_b", "response"] in ("MCR", "responder")


@pytest.mark.parametrize("method", METHODS)
def test_definition_on_other_index_says_so(method: str, tmp_path: Path, capsys) -> None:
    from lupus_teach.cli import main as cli_main

    # BILAG-2004 data: renal A settles. wang2014 and explorer were written for
    # the classic index; bicla for BILAG-2004.
    q = patient("q1", index="2004", baseline={"renal": "A"})
    wang = classify_one(q, "wang2014", method)
    assert wang["response"] == "MCR"
    assert wang["note"] == ("wang2014 was written for classic BILAG data; applied here to "
                            "BILAG-2004 data")
    bicla = classify_response(q[q["month"].isin([0, 12])], "bicla", method=method)
    assert bicla.loc[0, "note"] == ""
    # classic data under BICLA: the note says so, after the visits note
    c = patient("c1", baseline={"renal": "A"}, missing=(1, 3, 6, 9))
    assert classify_one(c, "bicla", method)["note"] == BICLA_ON_CLASSIC
    assert classify_one(c, "explorer", method)["note"] == "missing visits: 1, 3, 6, 9"
    # ... and the console of `classify` says it too.
    source = tmp_path / "visits2004.csv"
    q.to_csv(source, index=False)
    capsys.readouterr()
    assert cli_main(["classify", str(source), "--definition", "wang2014",
                     "-o", str(tmp_path / "out.csv")]) == 0
    err = capsys.readouterr().err
    assert ("note: wang2014 was written for classic BILAG data; applied here to BILAG-2004 "
            "data") in err


@pytest.mark.parametrize("method", METHODS)
def test_relapse_a_c_b_artefact_is_counted(method: str) -> None:
    # Isenberg's classic-index artefact: nephritis A at baseline, C from
    # month 1 (a response), then B at month 9 with no real new activity. The
    # package counts it as a relapse at month 9 (B after C at the previous
    # visit), as the grades give it; the MCR stands.
    artefact = patient(baseline={"renal": "A"}, m1={"renal": "C"}, m3={"renal": "C"},
                       m6={"renal": "C"}, m9={"renal": "B"}, m12={"renal": "B"})
    row = classify_one(artefact, "wang2014", method)
    assert (row["response"], row["deciding_month"], relapse_of(row)) == ("MCR", 6, 9)
    # Under EXPLORER the B at month 9 is not a new score (A at baseline), one B
    # keeps the partial-response limits; C or better is lost, so PCR with the
    # same relapse.
    row = classify_one(artefact, "explorer", method)
    assert (row["response"], relapse_of(row)) == ("PCR", 9)


@pytest.mark.parametrize("method", METHODS)
def test_wang_pcr_route_1_reads_month_3_only(method: str) -> None:
    # Nephritis still A at month 1 (not new: A at baseline), C at month 3, B at
    # month 6: MCR fails (B at month 6); route 1 holds, as it reads C or
    # better at month 3 only.
    slow = patient(baseline={"renal": "A"}, m1={"renal": "A"}, m3={"renal": "C"},
                   m6={"renal": "B"}, m9={"renal": "B"}, m12={"renal": "B"})
    row = classify_one(slow, "wang2014", method)
    assert (row["response"], row["deciding_month"], row["reason"]) == ("PCR", 3, W_PCR_C3)
    # A new B at month 1 (rash, D at baseline) bars route 1; route 2 then
    # decides at month 6 (one B, one new system): PCR at 6, not at 3.
    new_at_1 = patient(baseline={"renal": "A"}, m1={"renal": "A", "mucocutaneous": "B"},
                       m3={"renal": "C"}, m6={"renal": "B"}, m9={"renal": "B"},
                       m12={"renal": "B"})
    row = classify_one(new_at_1, "wang2014", method)
    assert (row["response"], row["deciding_month"], row["reason"]) == (
        "PCR", 6, W_PCR_B6_RENAL)


@pytest.mark.parametrize("method", METHODS)
def test_wang_pcr_route_2_needs_no_a_at_6(method: str) -> None:
    # Nephritis A and rash B at baseline; the kidney is B at month 3 (route 1
    # fails) and A again at month 6 (not a new score: A at baseline), nothing
    # else active: no B at all at month 6, but an A, so NR.
    a_at_6 = patient(baseline={"renal": "A", "mucocutaneous": "B"}, m3={"renal": "B"},
                     m6={"renal": "A"}, m9={"renal": "C"}, m12={"renal": "C"})
    row = classify_one(a_at_6, "wang2014", method)
    assert (row["response"], row["deciding_month"], row["reason"]) == (
        "NR", 6, "NR: BILAG A in renal at month 6; no A is allowed at month 6")
    # The kidney B at month 6 instead: route 2 gives PCR.
    b_at_6 = patient(baseline={"renal": "A", "mucocutaneous": "B"}, m3={"renal": "B"},
                     m6={"renal": "B"}, m9={"renal": "C"}, m12={"renal": "C"})
    row = classify_one(b_at_6, "wang2014", method)
    assert (row["response"], row["reason"]) == ("PCR", W_PCR_B6_RENAL)


@pytest.mark.parametrize("method", METHODS)
def test_explorer_flare_counts_new_b_at_one_visit(method: str) -> None:
    # New rash (B) at month 1 and new arthritis (B) at month 3: two new B, but
    # at different visits, so no EXPLORER flare: MCR.
    apart = patient(baseline={"renal": "A"}, m1={"mucocutaneous": "B"},
                    m3={"musculoskeletal": "B"})
    row = classify_one(apart, "explorer", method)
    assert (row["response"], row["reason"]) == ("MCR", X_MCR)
    # Both at month 3: an EXPLORER flare, NR at month 3.
    together = patient(baseline={"renal": "A"},
                       m3={"mucocutaneous": "B", "musculoskeletal": "B"})
    row = classify_one(together, "explorer", method)
    assert (row["response"], row["deciding_month"], row["reason"]) == (
        "NR", 3, "NR: EXPLORER flare at month 3: new B scores in mucocutaneous and "
        "musculoskeletal")


@pytest.mark.parametrize("method", METHODS)
def test_explorer_pcr_one_b_must_not_be_new(method: str) -> None:
    # Nephritis A and rash B at baseline; at month 6 the rash is still B (not
    # a new score), the kidney C: PCR (b), one B.
    kept_b = patient(baseline={"renal": "A", "mucocutaneous": "B"},
                     m6={"mucocutaneous": "B"}, m9={"mucocutaneous": "B"})
    row = classify_one(kept_b, "explorer", method)
    assert (row["response"], row["reason"]) == (
        "PCR", f"PCR: no A and one B, not a new score (mucocutaneous), {X_LIMITS}")
    # A rash that was C at baseline and is B at month 6 is a new score: NR.
    new_b = patient(baseline={"renal": "A", "mucocutaneous": "C"},
                    m6={"mucocutaneous": "B"}, m9={"mucocutaneous": "B"})
    row = classify_one(new_b, "explorer", method)
    assert (row["response"], row["deciding_month"], row["reason"]) == (
        "NR", 6, "NR: new B score in mucocutaneous at month 6; the one B allowed at week 24 "
        "must not be a new score")
    # The same rule at the month-9 check: quiet at month 6, a new B at month 9.
    new_at_9 = patient(baseline={"renal": "A"}, m9={"mucocutaneous": "B"})
    row = classify_one(new_at_9, "explorer", method)
    assert (row["response"], row["deciding_month"], row["reason"]) == (
        "NR", 9, "NR: new B score in mucocutaneous at month 9, so the response was not "
        "maintained")


@pytest.mark.parametrize("method", METHODS)
def test_explorer_pcr_c_any_number_of_baseline_a_at_b(method: str) -> None:
    # Three systems A at baseline (rash, arthritis, nephritis), all B at
    # months 6 and 9: PCR (c), however many.
    three = {"mucocutaneous": "B", "musculoskeletal": "B", "renal": "B"}
    all_a = patient(baseline=dict.fromkeys(three, "A"), m6=three, m9=three, m12=three)
    row = classify_one(all_a, "explorer", method)
    assert (row["response"], row["reason"]) == (
        "PCR", "PCR: baseline A improved to B (mucocutaneous, musculoskeletal and renal) "
        f"{X_LIMITS}".replace("mucocutaneous, musculoskeletal", "mucocutaneous and "
                              "musculoskeletal"))
    # If the arthritis was B (not A) at baseline, its B at month 6 is not
    # covered by (c), and two or more B are not allowed: NR.
    one_was_b = patient(baseline={"mucocutaneous": "A", "musculoskeletal": "B", "renal": "A"},
                        m6=three, m9=three, m12=three)
    row = classify_one(one_was_b, "explorer", method)
    assert (row["response"], row["deciding_month"], row["reason"]) == (
        "NR", 6, "NR: BILAG B in musculoskeletal at month 6; at most one B is allowed unless "
        "each was A at baseline")


@pytest.mark.parametrize("method", METHODS)
def test_explorer_flare_at_month_12_is_nr(method: str) -> None:
    # A partial responder (kidney A improved to B and kept at B) with new
    # cerebral lupus (A) at month 12: an EXPLORER flare after week 24 ends the
    # response (Merrill 2011: "without subsequent flares over 52 weeks").
    late_a = patient(baseline={"renal": "A"}, m3={"renal": "B"}, m6={"renal": "B"},
                     m9={"renal": "B"}, m12={"renal": "B", "neurological": "A"})
    row = classify_one(late_a, "explorer", method)
    assert (row["response"], row["deciding_month"], row["reason"]) == (
        "NR", 12, "NR: EXPLORER flare at month 12: new A score in neurological")
    assert relapse_of(row) is None
    # Quiet at months 6 and 9, two new B at month 12: NR as well.
    late_bb = patient(baseline={"renal": "A"}, m12={"general": "B", "vasculitis": "B"})
    row = classify_one(late_bb, "explorer", method)
    assert (row["response"], row["deciding_month"]) == ("NR", 12)
    # One new B at month 12 is not an EXPLORER flare: PCR (C or better at 6
    # and 9, not at 12), with the relapse at month 12.
    late_b = patient(baseline={"renal": "A"}, m12={"general": "B"})
    row = classify_one(late_b, "explorer", method)
    assert (row["response"], row["reason"], relapse_of(row)) == ("PCR", X_PCR_C, 12)
