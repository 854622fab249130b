"""SLEDAI-2K: descriptor weights, scoring and the optional activity columns.

Weights: Gladman DD, Ibañez D, Urowitz MB, J Rheumatol 2002;29:288-291, as
listed in full by Table 4 of the HHE Rheumatology 2019 review
(viewer.joomag.com/hhe-rheumatology-2019, page 8), and agreeing with the CRAN
package cliot's ``sledai_2k_score`` reference page
(rdrr.io/cran/cliot/man/sledai_2k_score.html) and the medicalcriteria.com
SLEDAI-2K page on every weight they show. No published worked example of a
visit's total was found: the maximum (105), the empty visit (0) and the weight
classes are pinned instead.
"""

from __future__ import annotations

import io

import pandas as pd
import pytest

from lupus_teach import sledai
from lupus_teach.bilag import system_names
from lupus_teach.errors import DataValidationError, UnknownNameError
from lupus_teach.visits import read_visits

# The published weight classes (Gladman 2002; cliot documentation; HHE 2019 Table 4).
EIGHT = ["seizure", "psychosis", "organic_brain_syndrome", "visual_disturbance",
         "cranial_nerve_disorder", "lupus_headache", "cva", "vasculitis"]
FOUR = ["arthritis", "myositis", "urinary_casts", "haematuria", "proteinuria", "pyuria"]
TWO = ["rash", "alopecia", "mucosal_ulcers", "pleurisy", "pericarditis", "low_complement",
       "increased_dna_binding"]
ONE = ["fever", "thrombocytopenia", "leukopenia"]


def test_every_descriptor_has_its_published_weight():
    weights = {d.name: d.weight for d in sledai.DESCRIPTORS}
    expected = {**dict.fromkeys(EIGHT, 8), **dict.fromkeys(FOUR, 4), **dict.fromkeys(TWO, 2),
                **dict.fromkeys(ONE, 1)}
    assert weights == expected
    assert [d.name for d in sledai.DESCRIPTORS] == EIGHT + FOUR + TWO + ONE


def test_all_descriptors_score_105_and_none_score_0():
    assert sledai.score([d.name for d in sledai.DESCRIPTORS]) == 105 == sledai.MAXIMUM
    assert sledai.score([]) == 0
    assert sledai.score(dict.fromkeys(EIGHT + FOUR + TWO + ONE, 0)) == 0


@pytest.mark.parametrize(("names", "total"), [
    (EIGHT, 64), (FOUR, 24), (TWO, 14), (ONE, 3),   # the four weight classes
    (["seizure"], 8), (["proteinuria"], 4), (["low_complement"], 2), (["fever"], 1),
])
def test_weight_classes_sum_to_their_published_totals(names, total):
    assert sledai.score(names) == total


def test_typical_nephritis_visit():
    """Worked by hand from the published weights: active nephritis with serology, proteinuria
    (4) + haematuria (4) + low complement (2) + increased DNA binding (2) = 12; losing the two
    renal descriptors is an 8-point fall."""
    before = ["proteinuria", "haematuria", "low_complement", "increased_dna_binding"]
    assert sledai.score(before) == 12
    assert sledai.score(before[2:]) == 4


def test_unknown_descriptor_names_the_closest_one():
    with pytest.raises(UnknownNameError, match="Did you mean 'arthritis'"):
        sledai.score(["artritis"])
    with pytest.raises(ValueError, match="SLEDAI-2K descriptor"):
        sledai.score(["arthritis", "kidney"])


def test_spellings_and_duplicates():
    assert sledai.score(["Hematuria", " Fever "]) == 5
    assert sledai.score(["arthritis", "arthritis"]) == 4


def test_descriptors_frame_is_the_vocabulary():
    table = sledai.descriptors_frame()
    assert list(table.columns) == ["name", "label", "system", "weight", "definition"]
    assert table["weight"].sum() == 105
    assert table.loc[table["name"] == "proteinuria", "definition"].item().startswith(
        "More than 0.5 g")
    assert set(table["system"]) == {s.value for s in sledai.SledaiSystem}


# --------------------------------------------------------------------------
# activity columns
# --------------------------------------------------------------------------


def _visit_rows(pid, month, **extra):
    return [dict(patient_id=pid, month=month, system=s, grade="C", **extra)
            for s in system_names("classic")]


def _csv(rows):
    return pd.DataFrame(rows).to_csv(index=False)


def test_valid_activity_columns_pass_and_are_kept():
    rows = _visit_rows("p1", 0, sledai=12, pga=1.5, treatment_failure="no")
    rows += _visit_rows("p1", 12, sledai="", pga="", treatment_failure="")
    table = read_visits(io.StringIO(_csv(rows)))
    activity = sledai.visit_activity(table)
    assert activity["sledai"].tolist()[0] == 12
    assert pd.isna(activity["sledai"].tolist()[1])
    assert activity["treatment_failure"].tolist()[0] == 0.0


def test_bad_activity_values_are_reported_with_row_column_and_value():
    rows = _visit_rows("p1", 0, sledai=12, pga=1.5)
    rows[2]["sledai"] = 106       # file row 4
    rows[3]["pga"] = "severe"     # file row 5
    rows[4]["sledai"] = 11        # file row 6: differs within the visit
    rows += _visit_rows("p2", 0, sledai=4.5, pga=3.2)
    problems = sledai.activity_column_problems(
        pd.DataFrame(rows, dtype=object).astype(str), "mine.csv", list(range(2, 2 + len(rows))))
    text = [str(p) for p in problems]
    assert "mine.csv, row 4, column 'sledai', value '106': outside the scale" in "\n".join(text)
    assert any("row 5, column 'pga', value 'severe': not a number" in t for t in text)
    assert any("row 6, column 'sledai'" in t and "different sledai values" in t for t in text)
    assert any("row 10, column 'sledai', value '4.5': not a whole number" in t for t in text)
    assert any("row 10, column 'pga', value '3.2': outside the scale" in t for t in text)


def test_read_visits_refuses_bad_activity_columns():
    rows = _visit_rows("p1", 0, sledai=12, pga=9)
    with pytest.raises(DataValidationError, match="column 'pga', value '9'"):
        read_visits(io.StringIO(_csv(rows)), name="mine.csv")


def test_descriptor_columns_are_scored_and_checked():
    names = [d.name for d in sledai.DESCRIPTORS]
    present = {"sledai_arthritis": 1, "sledai_proteinuria": 1, "sledai_fever": 1}
    rows = _visit_rows("p1", 0, pga=1, **{f"sledai_{n}": present.get(f"sledai_{n}", 0)
                                          for n in names})
    table = read_visits(pd.DataFrame(rows))
    assert sledai.visit_activity(table)["sledai"].tolist() == [9.0]
    rows[0]["sledai_fever"] = 2
    rows[0]["sledai_arthritis"] = 1
    with pytest.raises(DataValidationError, match=r"sledai_fever.*1 \(present\) or 0"):
        read_visits(pd.DataFrame(rows))


def test_incomplete_or_misspelt_descriptor_columns_are_problems():
    frame = pd.DataFrame({"patient_id": ["p1"], "month": [0], "sledai_arthritis": ["1"],
                          "sledai_artritis": ["0"]})
    text = "\n".join(str(p) for p in sledai.activity_column_problems(frame, "f.csv", [2]))
    assert "Did you mean 'sledai_arthritis'" in text
    assert "23 of 24 are missing" in text


def test_sledai_must_agree_with_descriptors():
    names = [d.name for d in sledai.DESCRIPTORS]
    frame = pd.DataFrame([{"patient_id": "p1", "month": 0, "sledai": "10",
                           **{f"sledai_{n}": "1" if n == "arthritis" else "0" for n in names}}])
    text = "\n".join(str(p) for p in sledai.activity_column_problems(frame, "f.csv", [2]))
    assert "differs from the score of the descriptor columns" in text


def test_problems_are_bounded_per_kind():
    frame = pd.DataFrame({"patient_id": [f"p{i}" for i in range(500)], "month": [0] * 500,
                          "pga": ["7"] * 500})
    problems = sledai.activity_column_problems(frame, "big.csv", list(range(2, 502)))
    assert len(problems) == sledai.MAX_PROBLEMS_PER_KIND + 1
    assert "480 more rows with a pga outside 0 to 3" in str(problems[-1])


def test_column_name_in_capitals_is_flagged():
    frame = pd.DataFrame({"patient_id": ["p1"], "month": [0], "SLEDAI": ["4"]})
    text = str(sledai.activity_column_problems(frame, "f.csv", [2])[0])
    assert "rename this column 'sledai'" in text
