"""Exercise set 10's checks: right answers pass, wrong ones say what to reconsider."""

from __future__ import annotations

import pytest

from lupus_teach.composite_checks import (
    check_composite_response,
    check_sledai_total,
    composite_table,
)
from lupus_teach.exercises import NotAnswered, WrongAnswer
from lupus_teach.response import classify_response

PATIENTS = {
    "fall3": {0: {"grades": {"renal": "A"}, "sledai": 12, "pga": 1.0},
              12: {"grades": {"renal": "C"}, "sledai": 9, "pga": 1.0}},
    "renalA": {0: {"grades": {"renal": "A", "general": "B"}, "sledai": 16, "pga": 2.0},
               12: {"grades": {"renal": "A", "general": "C"}, "sledai": 4, "pga": 1.0}},
    "pga": {0: {"grades": {"renal": "A"}, "sledai": 12, "pga": 1.0},
            12: {"grades": {"renal": "C"}, "sledai": 4, "pga": 1.3}},
}


def test_sledai_total_feedback():
    visit = ["arthritis", "rash", "low_complement", "increased_dna_binding", "fever"]
    check_sledai_total(11, visit)
    with pytest.raises(WrongAnswer, match="number of descriptors present"):
        check_sledai_total(5, visit)
    with pytest.raises(WrongAnswer, match=r"too low\. You are 4 points off: recheck the "
                                          "4-point descriptors"):
        check_sledai_total(7, visit)
    with pytest.raises(WrongAnswer, match="Remove the quotes"):
        check_sledai_total("11", visit)
    with pytest.raises(NotAnswered):
        check_sledai_total(..., visit)


def test_composite_response_names_the_part_to_recheck():
    right = dict(zip(*[classify_response(composite_table(PATIENTS), "sri4")[c]
                       for c in ("patient_id", "response")], strict=True))
    assert right == {"fall3": "NR", "renalA": "responder", "pga": "NR"}
    check_composite_response(right, PATIENTS, "sri4")
    with pytest.raises(WrongAnswer, match="fall3: 'responder' is not right under sri4: look "
                                          "again at the SLEDAI-2K part"):
        check_composite_response(dict(right, fall3="responder"), PATIENTS, "sri4")
    with pytest.raises(WrongAnswer, match="global assessment"):
        check_composite_response(dict(right, pga="responder"), PATIENTS, "sri4")
    with pytest.raises(WrongAnswer, match="the BILAG part"):
        check_composite_response({"fall3": "responder", "renalA": "responder", "pga": "NR"},
                                 PATIENTS, "bicla")
    with pytest.raises(WrongAnswer, match="every part is met"):
        check_composite_response(dict(right, renalA="NR"), PATIENTS, "sri4")
    with pytest.raises(WrongAnswer, match="no category for pga"):
        check_composite_response({"fall3": "NR", "renalA": "responder"}, PATIENTS, "sri4")
    with pytest.raises(WrongAnswer, match="'MCR' is not a category here"):
        check_composite_response(dict(right, fall3="MCR"), PATIENTS, "sri4")
