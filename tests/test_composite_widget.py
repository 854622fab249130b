"""The composite-endpoint widget (lesson 10), driven without a browser."""

from __future__ import annotations

from lupus_teach.widgets.composite import (
    DISAGREEMENT_CASE,
    VERDICT_DEFINITIONS,
    composite_explorer,
    composite_verdicts,
)
from lupus_teach.widgets.keyboard import WIDGET_CLASS


def _verdict(explorer, name):
    return explorer.verdicts.set_index("definition").loc[name, "response"]


def test_starting_case_is_the_sri4_bicla_disagreement():
    explorer = composite_explorer()
    assert list(explorer.verdicts["definition"]) == list(VERDICT_DEFINITIONS)
    assert _verdict(explorer, "sri4") == "responder"
    assert _verdict(explorer, "bicla_full") == "NR"
    assert _verdict(explorer, "bicla") == "NR"
    assert "SLEDAI-2K: <b>22</b> at baseline, <b>6</b> at month 12" in explorer.totals.value
    assert "renal was A at baseline and is still A at month 12" in explorer.summary.value
    assert WIDGET_CLASS in explorer._dom_classes


def test_renal_improving_makes_bicla_agree():
    explorer = composite_explorer()
    explorer.selectors[(12, "renal")].value = "C"
    assert _verdict(explorer, "bicla_full") == "responder"
    assert _verdict(explorer, "sri4") == "responder"


def test_ticking_descriptors_changes_the_total_and_the_sri_verdicts():
    explorer = composite_explorer()
    for name in ("arthritis", "urinary_casts", "haematuria"):  # 12 more points at month 12
        explorer.descriptor_boxes[(12, name)].value = True
    assert explorer.verdicts.attrs["sledai"] == {0: 22, 12: 18}
    assert _verdict(explorer, "sri4") == "responder"   # fell by exactly 4
    assert _verdict(explorer, "sri5") == "NR"


def test_pga_and_treatment_failure_controls():
    explorer = composite_explorer()
    explorer.selectors[(12, "renal")].value = "B"
    assert _verdict(explorer, "bicla_full") == "responder"
    explorer.pga_sliders[12].value = 2.7            # 2.4 -> 2.7: worse by 0.3
    assert _verdict(explorer, "bicla_full") == "NR" and _verdict(explorer, "sri4") == "NR"
    explorer.pga_sliders[12].value = 2.6
    explorer.failure.value = "yes"
    table = explorer.verdicts.set_index("definition")
    assert table.loc["bicla_full", "reason"] == (
        "NR (BICLA): treatment failure recorded at month 12")
    assert table.loc["sri4", "response"] == "responder"   # SRI has no treatment-failure part


def test_static_verdicts_match_the_widget():
    case = DISAGREEMENT_CASE
    static = composite_verdicts(case.grades, case.descriptors, case.pga)
    assert static.equals(composite_explorer().verdicts)
