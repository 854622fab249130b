"""The composite-endpoint widget: BILAG, SLEDAI-2K and PGA at baseline and month 12.

One patient's BILAG grades, SLEDAI-2K descriptors and physician's global
assessment (PGA) at baseline and month 12, and the verdict of every
definition that reads those two visits (SRI-4 to SRI-8, BICLA's BILAG part and
the full BICLA) side by side, each with its reason. The verdicts come from
:func:`composite_verdicts`, which only builds a small table and calls
:func:`lupus_teach.response.classify_response`; no clinical rule lives here.
Controls are labelled drop-downs, check boxes and sliders in a
:class:`~lupus_teach.widgets.keyboard.KeyboardSafeBox`, so everything can be
done with the keyboard.

Examples
--------
>>> explorer = composite_explorer()
>>> explorer.verdicts.set_index("definition").loc[["sri4", "bicla_full"], "response"].tolist()
['responder', 'NR']
>>> explorer.selectors[(12, "renal")].value = "C"   # the kidney improves after all
>>> explorer.verdicts.set_index("definition").loc["bicla_full", "response"]
'responder'
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import ipywidgets as widgets
import pandas as pd

from lupus_teach import sledai
from lupus_teach.bilag import GRADE_ORDER, IndexVersion, systems_for
from lupus_teach.response import classify_response, get_definition
from lupus_teach.visits import read_visits
from lupus_teach.widgets.grades import complete_visit, visit_table
from lupus_teach.widgets.keyboard import KeyboardSafeBox

__all__ = [
    "DISAGREEMENT_CASE",
    "VERDICT_DEFINITIONS",
    "CompositeCase",
    "CompositeExplorer",
    "composite_explorer",
    "composite_verdicts",
]

#: The definitions compared, in the order shown (all read months 0 and 12 only).
VERDICT_DEFINITIONS: tuple[str, ...] = ("sri4", "sri5", "sri6", "sri7", "sri8", "bicla",
                                        "bicla_full")
_MONTHS = (0, 12)
_FAILURE_OPTIONS = [("not recorded", ""), ("no", "no"), ("yes", "yes")]


@dataclass(frozen=True)
class CompositeCase:
    """One patient at baseline and month 12.

    Attributes
    ----------
    grades : mapping of month to {system: grade}
        BILAG grades of the systems involved (the others are E).
    descriptors : mapping of month to tuple of str
        The SLEDAI-2K descriptors present (:data:`lupus_teach.sledai.DESCRIPTORS`).
    pga : mapping of month to float
        Physician's global assessment, 0-3.
    treatment_failure : str
        ``""`` (not recorded), ``"no"`` or ``"yes"`` (by month 12).
    """

    grades: Mapping[int, Mapping[str, str]]
    descriptors: Mapping[int, tuple[str, ...]]
    pga: Mapping[int, float]
    treatment_failure: str = ""
    note: str = field(default="")


#: A persistent renal A with a large SLEDAI-2K fall: an SRI-4 responder, not a BICLA one.
DISAGREEMENT_CASE = CompositeCase(
    grades={0: {"renal": "A", "mucocutaneous": "B", "musculoskeletal": "B"},
            12: {"renal": "A", "mucocutaneous": "C", "musculoskeletal": "D"}},
    descriptors={0: ("arthritis", "urinary_casts", "haematuria", "proteinuria", "rash",
                     "low_complement", "increased_dna_binding"),
                 12: ("proteinuria", "low_complement")},
    pga={0: 2.4, 12: 1.6},
    note="Nephritis still active (renal A, proteinuria) while joints, skin and urine "
         "sediment settle.",
)


def composite_verdicts(
    grades: Mapping[int, Mapping[str, str]],
    descriptors: Mapping[int, Sequence[str]],
    pga: Mapping[int, float],
    treatment_failure: str = "",
    index: IndexVersion | str = "classic",
) -> pd.DataFrame:
    """The verdict of every definition in :data:`VERDICT_DEFINITIONS` for one patient.

    Parameters
    ----------
    grades : mapping of month (0 and 12) to {system: grade}
        Systems not given are E.
    descriptors : mapping of month to descriptor names
        The SLEDAI-2K descriptors present at each visit.
    pga : mapping of month to float
        Physician's global assessment (0-3).
    treatment_failure : {"", "no", "yes"}
        Treatment failure by month 12; ``""`` means not recorded.
    index : {"classic", "2004"}
        The BILAG version.

    Returns
    -------
    pandas.DataFrame
        ``definition``, ``title``, ``response``, ``reason``, one row per
        definition, and ``attrs["sledai"]`` the SLEDAI-2K total at each month.

    Examples
    --------
    >>> case = DISAGREEMENT_CASE
    >>> table = composite_verdicts(case.grades, case.descriptors, case.pga)
    >>> table.attrs["sledai"]
    {0: 22, 12: 6}
    >>> print(table.set_index("definition").loc["bicla_full", "reason"])
    NR (BICLA): renal was A at baseline and is still A at month 12
    """
    history = {m: complete_visit(grades.get(m, {}), index=index) for m in _MONTHS}
    table = visit_table(history, patient_id="this patient", index=index)
    totals = {m: sledai.score(descriptors.get(m, ())) for m in _MONTHS}
    activity = table.assign(
        sledai=table["month"].map(totals).astype("int64"),
        pga=table["month"].map({m: float(pga[m]) for m in _MONTHS}),
    )
    if treatment_failure:
        activity["treatment_failure"] = activity["month"].map({0: "no", 12: treatment_failure})
    activity = read_visits(activity, index=index)  # validated once, classified many times
    rows = []
    for name in VERDICT_DEFINITIONS:
        data = table if name == "bicla" else activity  # bicla alone: the BILAG part
        result = classify_response(data, name, validate=False)
        rows.append((name, get_definition(name).title, result.loc[0, "response"],
                     result.loc[0, "reason"]))
    out = pd.DataFrame(rows, columns=["definition", "title", "response", "reason"])
    out.attrs["sledai"] = totals
    return out


class CompositeExplorer(KeyboardSafeBox):
    """One patient at baseline and month 12, and every composite verdict beside it.

    Attributes
    ----------
    selectors : dict of (month, system) to ipywidgets.Dropdown
        BILAG grade of each system at months 0 and 12.
    descriptor_boxes : dict of (month, descriptor) to ipywidgets.Checkbox
        SLEDAI-2K descriptors present at each visit.
    pga_sliders : dict of month to ipywidgets.FloatSlider
        Physician's global assessment (0-3, steps of 0.1).
    failure : ipywidgets.Dropdown
        Treatment failure by month 12: not recorded, no or yes.
    totals : ipywidgets.HTML
        The SLEDAI-2K totals.
    summary : ipywidgets.HTML
        The verdicts table.
    verdicts : pandas.DataFrame
        The current verdicts (:func:`composite_verdicts`).
    """

    def __init__(self, case: CompositeCase = DISAGREEMENT_CASE,
                 index: IndexVersion | str = "classic") -> None:
        super().__init__()
        self.index = index
        self._systems = systems_for(index)
        self.selectors: dict[tuple[int, str], widgets.Dropdown] = {}
        self.descriptor_boxes: dict[tuple[int, str], widgets.Checkbox] = {}
        grade_rows = [widgets.HBox([widgets.HTML("<b>Organ system (BILAG)</b>",
                                                 layout={"width": "210px"})]
                                   + [widgets.HTML(f"<b>Month {m}</b>",
                                                   layout={"width": "110px"})
                                      for m in _MONTHS])]
        for system in self._systems:
            cells: list[widgets.Widget] = [widgets.HTML(system.label, layout={"width": "210px"})]
            for m in _MONTHS:
                label = f"{system.label}, month {m}"
                selector = widgets.Dropdown(
                    options=[(g, g) for g in GRADE_ORDER],
                    value=complete_visit(case.grades.get(m, {}), index=index)[system.name],
                    description=label, tooltip=label,
                    style={"description_width": "0px"}, layout={"width": "110px"})
                selector.observe(self._update, names="value")
                self.selectors[(m, system.name)] = selector
                cells.append(selector)
            grade_rows.append(widgets.HBox(cells))
        columns = []
        for m in _MONTHS:
            present = set(case.descriptors.get(m, ()))
            boxes = []
            for d in sledai.DESCRIPTORS:
                box = widgets.Checkbox(value=d.name in present,
                                       description=f"{d.label} ({d.weight})",
                                       tooltip=f"{d.label}, month {m}: {d.definition}",
                                       indent=False, layout={"width": "260px"})
                box.observe(self._update, names="value")
                self.descriptor_boxes[(m, d.name)] = box
                boxes.append(box)
            heading = widgets.HTML(f"<b>SLEDAI-2K descriptors, month {m}</b> (points)")
            columns.append(widgets.VBox([heading, *boxes]))
        self.pga_sliders = {
            m: widgets.FloatSlider(value=float(case.pga[m]), min=0.0, max=3.0, step=0.1,
                                   description=f"PGA, month {m} (0-3)", readout_format=".1f",
                                   style={"description_width": "initial"},
                                   layout={"width": "420px"})
            for m in _MONTHS
        }
        for slider in self.pga_sliders.values():
            slider.observe(self._update, names="value")
        self.failure = widgets.Dropdown(options=_FAILURE_OPTIONS, value=case.treatment_failure,
                                        description="Treatment failure by month 12",
                                        style={"description_width": "initial"})
        self.failure.observe(self._update, names="value")
        self.totals = widgets.HTML()
        self.summary = widgets.HTML()
        self.verdicts = pd.DataFrame()
        self.children = (
            widgets.VBox(grade_rows), widgets.HBox(columns), self.totals,
            *self.pga_sliders.values(), self.failure, self.summary,
        )
        self._update()

    @property
    def grades(self) -> dict[int, dict[str, str]]:
        """The BILAG grades shown, month to {system: letter}."""
        return {m: {s.name: self.selectors[(m, s.name)].value for s in self._systems}
                for m in _MONTHS}

    @property
    def descriptors(self) -> dict[int, list[str]]:
        """The SLEDAI-2K descriptors ticked at each month."""
        return {m: [d.name for d in sledai.DESCRIPTORS if self.descriptor_boxes[(m, d.name)].value]
                for m in _MONTHS}

    def _update(self, _change: object = None) -> None:
        self.verdicts = composite_verdicts(
            self.grades, self.descriptors, {m: s.value for m, s in self.pga_sliders.items()},
            self.failure.value, self.index)
        totals = self.verdicts.attrs["sledai"]
        grades = "; ".join(
            f"month {m}: " + ", ".join(f"{s.name} {self.selectors[(m, s.name)].value}"
                                       for s in self._systems)
            for m in _MONTHS)
        self.totals.value = (f"<p role='status'>SLEDAI-2K: <b>{totals[0]}</b> at baseline, "
                             f"<b>{totals[12]}</b> at month 12 (change {totals[12] - totals[0]:+d}"
                             f" points). BILAG grades shown: {html.escape(grades)}.</p>")
        body = "".join(
            f"<tr><th scope='row'>{html.escape(r.title)}</th><td><b>{html.escape(r.response)}"
            f"</b></td><td>{html.escape(r.reason)}</td></tr>"
            for r in self.verdicts.itertuples(index=False))
        self.summary.value = (
            "<table class='lupus-table'><caption>Verdict of each definition (month 12 against "
            "baseline)</caption><thead><tr><th scope='col'>Definition</th><th scope='col'>"
            "Verdict</th><th scope='col'>Reason</th></tr></thead>"
            f"<tbody>{body}</tbody></table>")


def composite_explorer(case: CompositeCase = DISAGREEMENT_CASE,
                       index: IndexVersion | str = "classic") -> CompositeExplorer:
    """The composite-endpoint widget, starting from ``case`` (default: SRI-4 and BICLA disagree).

    Returns
    -------
    CompositeExplorer
        A ``VBox`` exposing ``selectors``, ``descriptor_boxes``, ``pga_sliders``,
        ``failure``, ``verdicts`` and ``summary``.

    Examples
    --------
    >>> explorer = composite_explorer()
    >>> explorer.pga_sliders[12].value = 2.7      # worse by 0.3 on the 0-3 scale
    >>> explorer.verdicts.set_index("definition").loc["sri4", "response"]
    'NR'
    """
    return CompositeExplorer(case, index)
