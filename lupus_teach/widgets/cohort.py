"""Cohort widgets: the cohort explorer and the trial-design what-if.

Both are functions returning a ready :mod:`ipywidgets` container. Their
callbacks only call the package's pure functions
(:func:`lupus_teach.response.classify_response`, :mod:`lupus_teach.stats`,
:mod:`lupus_teach.plots`) and :func:`filter_cohort`, a plain table filter
without any clinical rule. Every control is a standard, keyboard-usable
ipywidgets control with a description, and the state each widget shows is
exposed as attributes, so tests drive the widgets by setting ``.value`` and
reading the attributes, without a browser.

Both are :class:`~lupus_teach.widgets.keyboard.KeyboardSafeBox` containers (keys
typed in them never trigger notebook shortcuts). Each chart is one
:class:`lupus_teach.display.ChartView` redrawn in place when a control changes;
tables are :func:`lupus_teach.display.lesson_table` HTML; an empty selection is
said once, as a plain information note.

Examples
--------
>>> from lupus_teach.widgets.cohort import trial_design_whatif
>>> whatif = trial_design_whatif()
>>> whatif.controls["p_treatment"].value = 0.6
>>> whatif.n_per_group
42
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import ipywidgets as widgets
import pandas as pd

from lupus_teach import plots, stats
from lupus_teach.display import chart_view, lesson_table, unchecked_charts
from lupus_teach.errors import LupusTeachError, UnknownNameError
from lupus_teach.response import classify_response, get_definition
from lupus_teach.widgets.keyboard import KeyboardSafeBox

__all__ = [
    "NEPHRITIS_COLUMNS",
    "CohortExplorer",
    "TrialDesignWhatIf",
    "cohort_explorer",
    "filter_cohort",
    "trial_design_whatif",
]

#: Columns of a patient table that may say whether a patient has lupus
#: nephritis (true/false), in the order they are looked for.
NEPHRITIS_COLUMNS: tuple[str, ...] = (
    "lupus_nephritis",
    "nephritis",
    "active_nephritis",
    "active_lupus_nephritis",
)

_ALL = "all"
_TABLE_COLUMNS = ("patient_id", "response", "deciding_month", "relapse_month", "reason")
_STYLE = {"description_width": "initial"}


# --------------------------------------------------------------------------
# display helpers (no clinical content)
# --------------------------------------------------------------------------


def _message(text: str) -> str:
    return f'<p role="status">{html.escape(text)}</p>'


def _info(text: str) -> str:
    """A plain information note (an empty selection is not an error)."""
    return (
        '<p role="status" class="lupus-info" style="background:#eef4fb;'
        'border-left:4px solid #0b5cad;padding:0.4em 0.8em;margin:0.4em 0;color:#1b2a3a">'
        f"{html.escape(text)}</p>"
    )


def _shown(widget: widgets.Widget, visible: bool) -> None:
    widget.layout.display = None if visible else "none"


def _as_flag(values: pd.Series) -> pd.Series:
    """A yes/no column (booleans, 0/1 or 'true'/'false' text) as booleans; unknown is NA."""
    mapping = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
    text = values.astype("string").str.strip().str.lower()
    return text.map(mapping).astype("boolean")


def _nephritis_column(patients: pd.DataFrame | None) -> str | None:
    if patients is None:
        return None
    return next((c for c in NEPHRITIS_COLUMNS if c in patients.columns), None)


# --------------------------------------------------------------------------
# the cohort explorer
# --------------------------------------------------------------------------


def filter_cohort(
    table: pd.DataFrame,
    response: str | Sequence[str] = _ALL,
    nephritis: bool | None = None,
    relapse: bool | None = None,
    nephritis_column: str | None = None,
) -> pd.DataFrame:
    """Keep the patients of a classified cohort that match the filters.

    A plain table filter: it applies no clinical rule of its own.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per patient, as returned by
        :func:`lupus_teach.response.classify_response` (``response`` and
        ``relapse_month`` columns), optionally joined with patient columns.
    response : str or sequence of str
        A category (``"MCR"``, ``"PCR"``, ``"NR"``), several categories, or
        ``"all"``.
    nephritis : bool, optional
        Keep patients with (True) or without (False) lupus nephritis; None
        keeps both.
    relapse : bool, optional
        Keep patients who relapsed after responding (True: ``relapse_month``
        given) or who did not (False); None keeps both.
    nephritis_column : str, optional
        The yes/no column read for ``nephritis``; by default the first of
        :data:`NEPHRITIS_COLUMNS` in the table.

    Returns
    -------
    pandas.DataFrame
        The matching rows, in the table's order, with a fresh index.

    Raises
    ------
    UnknownNameError
        For a nephritis filter on a table without a nephritis column.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"patient_id": ["p1", "p2", "p3"],
    ...                       "response": ["MCR", "PCR", "NR"],
    ...                       "relapse_month": [9, None, None],
    ...                       "lupus_nephritis": [True, True, False]})
    >>> filter_cohort(table, response="MCR")["patient_id"].tolist()
    ['p1']
    >>> filter_cohort(table, nephritis=True, relapse=False)["patient_id"].tolist()
    ['p2']
    >>> filter_cohort(table[["patient_id", "response", "relapse_month"]], nephritis=True)
    Traceback (most recent call last):
    ...
    lupus_teach.errors.UnknownNameError: ...
    """
    keep = pd.Series(True, index=table.index)
    if isinstance(response, str):
        if response != _ALL:
            keep &= table["response"].astype(str) == response
    else:
        keep &= table["response"].astype(str).isin([str(r) for r in response])
    if nephritis is not None:
        column = nephritis_column or next(
            (c for c in NEPHRITIS_COLUMNS if c in table.columns), None
        )
        if column is None or column not in table.columns:
            raise UnknownNameError(
                "nephritis column of the table",
                nephritis_column or "lupus_nephritis",
                [str(c) for c in table.columns],
                "Join the patient table (with a yes/no nephritis column) to the "
                "classification first.",
            )
        keep &= (_as_flag(table[column]) == bool(nephritis)).fillna(False).astype(bool)
    if relapse is not None:
        relapsed = pd.to_numeric(table["relapse_month"], errors="coerce").notna()
        keep &= relapsed if relapse else ~relapsed
    return table[keep.to_numpy()].reset_index(drop=True)


class CohortExplorer(KeyboardSafeBox):
    """The cohort explorer returned by :func:`cohort_explorer`.

    Attributes
    ----------
    controls : dict of str to ipywidgets.Widget
        ``"response"``, ``"nephritis"``, ``"relapse"`` (Dropdowns) and, with
        markers, ``"marker"``.
    classification : pandas.DataFrame
        Every patient's classification, joined with the patient table.
    filtered : pandas.DataFrame
        The patients that match the current filters.
    charts : dict of str to altair chart
        The charts on show (``"responses"``, ``"marker"``); a chart that cannot
        be drawn (no patients) is absent.
    status : ipywidgets.HTML
        The sentence saying how many patients match.
    """

    def __init__(
        self,
        visits: pd.DataFrame,
        patients: pd.DataFrame | None = None,
        markers: pd.DataFrame | None = None,
        definition: str = "wang2014",
    ) -> None:
        chosen = get_definition(definition)
        self.definition = chosen
        self.categories = [c.value for c in chosen.categories]
        table = classify_response(visits, chosen)
        self._nephritis_column = _nephritis_column(patients)
        if patients is not None:
            extra = [c for c in patients.columns if c not in table.columns or c == "patient_id"]
            right = patients[extra].assign(patient_id=patients["patient_id"].astype(str))
            table = table.assign(patient_id=table["patient_id"].astype(str)).merge(
                right, on="patient_id", how="left"
            )
        self.classification = table
        self.markers = markers

        self.controls: dict[str, widgets.Widget] = {
            "response": widgets.Dropdown(
                options=[("All responses", _ALL)]
                + [(f"{c} only", c) for c in self.categories],
                value=_ALL,
                description="Response:",
                style=_STYLE,
            ),
            "nephritis": widgets.Dropdown(
                options=[("All patients", _ALL), ("With lupus nephritis", "yes"),
                         ("Without lupus nephritis", "no")],
                value=_ALL,
                description="Nephritis:",
                disabled=self._nephritis_column is None,
                style=_STYLE,
            ),
            "relapse": widgets.Dropdown(
                options=[("All patients", _ALL), ("Relapsed after responding", "yes"),
                         ("Did not relapse", "no")],
                value=_ALL,
                description="Relapse:",
                style=_STYLE,
            ),
        }
        if markers is not None:
            names = sorted(markers["marker"].dropna().astype(str).unique())
            self.controls["marker"] = widgets.Dropdown(
                options=[(plots.MARKER_LABELS.get(n, n), n) for n in names],
                value="proteinuria" if "proteinuria" in names else names[0],
                description="Marker:",
                style=_STYLE,
            )
        self.status = widgets.HTML()
        self.marker_note = widgets.HTML()
        self._response_out = chart_view()
        self._marker_out = chart_view()
        self._table = widgets.HTML()
        self.charts: dict[str, Any] = {}
        self.filtered = table
        for control in self.controls.values():
            control.observe(self._update, names="value")
        charts = [self._response_out] + ([self._marker_out] if markers is not None else [])
        self._charts_box = widgets.HBox(charts, layout=widgets.Layout(flex_flow="row wrap"))
        super().__init__(
            [
                widgets.HBox(list(self.controls.values()),
                             layout=widgets.Layout(flex_flow="row wrap")),
                self.status,
                self.marker_note,
                self._charts_box,
                self._table,
            ]
        )
        self._update()

    @staticmethod
    def _choice(value: str) -> bool | None:
        return None if value == _ALL else value == "yes"

    def _update(self, change: dict[str, Any] | None = None) -> None:
        self.filtered = filter_cohort(
            self.classification,
            response=self.controls["response"].value,
            nephritis=self._choice(self.controls["nephritis"].value),
            relapse=self._choice(self.controls["relapse"].value),
            nephritis_column=self._nephritis_column,
        )
        n, total = len(self.filtered), len(self.classification)
        noun = "patient" if total == 1 else "patients"
        self.status.value = _message(
            f"{n} of {total} {noun} match the filters "
            f"(classified with the {self.definition.title} definition)."
        )
        self.charts = {}
        if n == 0:
            self.status.value = _info(
                f"No patient matches these filters (0 of {total} {noun}). Change a filter "
                "to see patients again."
            )
            self.marker_note.value = ""
            _shown(self._charts_box, False)
            self._table.value = ""
            return
        _shown(self._charts_box, True)
        with unchecked_charts():
            self.charts["responses"] = plots.response_bar(
                self.filtered, categories=self.categories,
                title=f"Responses of the {n} patients shown (95% CI)",
            )
            self._response_out.chart = self.charts["responses"]
        self.marker_note.value = ""
        if self.markers is not None:
            self._update_marker()
        columns = [c for c in _TABLE_COLUMNS if c in self.filtered.columns]
        if self._nephritis_column is not None:
            columns.insert(2, self._nephritis_column)
        self._table.value = lesson_table(
            self.filtered, columns=columns, fold_after=10,
            headers={self._nephritis_column or "": "Lupus nephritis"},
        ).to_html()

    def _update_marker(self) -> None:
        assert self.markers is not None
        marker = self.controls["marker"].value
        label = plots.MARKER_LABELS.get(marker, marker)
        ids = set(self.filtered["patient_id"].astype(str))
        rows = self.markers[self.markers["patient_id"].astype(str).isin(ids)]
        measured = rows[rows["marker"].astype(str) == marker]
        if measured.empty:
            self.marker_note.value = _info(
                f"{label} was not measured in any of the patients shown, so there is no "
                "trajectory to draw. Choose another marker or change the filters."
            )
            self._marker_out.chart = None
            _shown(self._marker_out, False)
            return
        try:
            with unchecked_charts():
                self.charts["marker"] = plots.marker_trajectory(rows, marker)
        except LupusTeachError as error:
            self.marker_note.value = _info(str(error))
            self._marker_out.chart = None
            _shown(self._marker_out, False)
            return
        _shown(self._marker_out, True)
        self._marker_out.chart = self.charts["marker"]


def cohort_explorer(
    visits: pd.DataFrame,
    patients: pd.DataFrame | None = None,
    markers: pd.DataFrame | None = None,
    definition: str = "wang2014",
) -> CohortExplorer:
    """Filter a cohort by response, nephritis or relapse and see its charts and table.

    Parameters
    ----------
    visits : pandas.DataFrame
        The long BILAG table (``patient_id, month, system, grade``).
    patients : pandas.DataFrame, optional
        One row per patient (``patient_id`` plus any columns); a yes/no
        column named as in :data:`NEPHRITIS_COLUMNS` enables the nephritis
        filter.
    markers : pandas.DataFrame, optional
        Long marker table (``patient_id, month, marker, value``); adds a marker
        selector and a trajectory chart of the patients shown.
    definition : str
        Response definition (see :data:`lupus_teach.response.DEFINITIONS`).

    Returns
    -------
    CohortExplorer
        A VBox; ``.controls``, ``.filtered`` and ``.charts`` hold its state.

    Examples
    --------
    >>> import pandas as pd
    >>> from lupus_teach.bilag import system_names
    >>> rows = [(pid, m, s, "A" if (s == "renal" and m <= worst) else "C")
    ...         for pid, worst in [("p1", 0), ("p2", 12)]
    ...         for m in (0, 1, 3, 6, 9, 12) for s in system_names()]
    >>> visits = pd.DataFrame(rows, columns=["patient_id", "month", "system", "grade"])
    >>> explorer = cohort_explorer(visits)
    >>> explorer.controls["response"].value = "MCR"
    >>> explorer.filtered["patient_id"].tolist()
    ['p1']
    """
    return CohortExplorer(visits, patients=patients, markers=markers, definition=definition)


# --------------------------------------------------------------------------
# the trial-design what-if
# --------------------------------------------------------------------------


class TrialDesignWhatIf(KeyboardSafeBox):
    """The trial-design what-if returned by :func:`trial_design_whatif`.

    Attributes
    ----------
    controls : dict of str to ipywidgets.Widget
        Regression to the mean: ``"entry_threshold"``, ``"between_sd"``,
        ``"within_sd"``; sample size: ``"p_control"``, ``"p_treatment"``,
        ``"power"``, ``"alpha"`` (all sliders).
    simulation : pandas.DataFrame
        The current :func:`~lupus_teach.stats.regression_to_mean_simulation`
        (every screened patient).
    regression : lupus_teach.stats.RegressionToMean or None
        Its summary (None when nobody met the entry threshold).
    apparent_change : float or None
        Mean follow-up minus mean screening score of the patients who entered,
        with no treatment at all: negative is an apparent improvement.
    n_per_group : int or None
        Patients per group from
        :func:`~lupus_teach.stats.sample_size_two_proportions` (None when the
        two proportions are equal).
    charts : dict of str to altair chart
        ``"rtm"``: the screening/follow-up scatter.
    """

    def __init__(
        self,
        p_control: float = 0.3,
        p_treatment: float = 0.6,
        entry_threshold: float = 12.0,
        true_mean: float = 8.0,
        n_patients: int = 500,
        seed: int = 0,
    ) -> None:
        self.true_mean = float(true_mean)
        self.n_patients = int(n_patients)
        self.seed = int(seed)

        def slider(value: float, low: float, high: float, step: float, description: str,
                   readout: str = ".1f") -> widgets.FloatSlider:
            return widgets.FloatSlider(
                value=value, min=low, max=high, step=step, description=description,
                readout_format=readout, continuous_update=False,
                style={"description_width": "230px"},
                layout=widgets.Layout(width="560px"),
            )

        self.controls: dict[str, widgets.Widget] = {
            "entry_threshold": slider(entry_threshold, 4.0, 20.0, 0.5,
                                      "Entry threshold (score):"),
            "between_sd": slider(3.0, 0.5, 6.0, 0.5, "Spread between patients (SD):"),
            "within_sd": slider(3.0, 0.0, 6.0, 0.5, "Measurement noise (SD):"),
            "p_control": slider(p_control, 0.05, 0.95, 0.05, "Response, control arm:", ".2f"),
            "p_treatment": slider(p_treatment, 0.05, 0.95, 0.05, "Response, treated arm:",
                                  ".2f"),
            "power": slider(0.8, 0.5, 0.99, 0.01, "Power:", ".2f"),
            "alpha": slider(0.05, 0.01, 0.2, 0.01, "Alpha (two-sided):", ".2f"),
        }
        self.rtm_status = widgets.HTML()
        self.size_status = widgets.HTML()
        self._rtm_out = chart_view()
        self.charts: dict[str, Any] = {}
        self.simulation = pd.DataFrame()
        self.regression: stats.RegressionToMean | None = None
        self.apparent_change: float | None = None
        self.n_per_group: int | None = None
        for name in ("entry_threshold", "between_sd", "within_sd"):
            self.controls[name].observe(self._update_rtm, names="value")
        for name in ("p_control", "p_treatment", "power", "alpha"):
            self.controls[name].observe(self._update_size, names="value")
        rtm_box = widgets.VBox(
            [
                widgets.HTML("<h4>Regression to the mean: no treatment at all</h4>"),
                *(self.controls[n] for n in ("entry_threshold", "between_sd", "within_sd")),
                self.rtm_status,
                self._rtm_out,
            ]
        )
        size_box = widgets.VBox(
            [
                widgets.HTML("<h4>Sample size of a randomised trial</h4>"),
                *(self.controls[n] for n in ("p_control", "p_treatment", "power", "alpha")),
                self.size_status,
            ]
        )
        super().__init__([rtm_box, size_box])
        self._update_rtm()
        self._update_size()

    def _update_rtm(self, change: dict[str, Any] | None = None) -> None:
        threshold = float(self.controls["entry_threshold"].value)
        self.simulation = stats.regression_to_mean_simulation(
            n_patients=self.n_patients,
            true_mean=self.true_mean,
            between_sd=float(self.controls["between_sd"].value),
            within_sd=float(self.controls["within_sd"].value),
            entry_threshold=threshold,
            seed=self.seed,
            keep_all=True,
        )
        self.charts = {}
        try:
            summary = stats.summarise_regression(self.simulation)
        except stats.NotEnoughDataError as error:
            self.regression, self.apparent_change = None, None
            self.rtm_status.value = _info(str(error))
            self._rtm_out.chart = None
            _shown(self._rtm_out, False)
            return
        self.regression = summary
        self.apparent_change = summary.apparent_change
        self.rtm_status.value = _message(
            f"Of {self.n_patients} simulated patients screened, {summary.n_selected} scored at "
            f"least {threshold:g} and entered. Their mean score went from "
            f"{summary.mean_screening:.1f} at screening to {summary.mean_follow_up:.1f} at "
            f"follow-up, an apparent change of {summary.apparent_change:+.1f} points, although "
            "nobody was treated and nobody's true activity changed."
        )
        with unchecked_charts():
            self.charts["rtm"] = plots.rtm_scatter(self.simulation)
            self._rtm_out.chart = self.charts["rtm"]
        _shown(self._rtm_out, True)

    def _update_size(self, change: dict[str, Any] | None = None) -> None:
        p1 = float(self.controls["p_control"].value)
        p2 = float(self.controls["p_treatment"].value)
        power = float(self.controls["power"].value)
        alpha = float(self.controls["alpha"].value)
        try:
            n = stats.sample_size_two_proportions(p1, p2, alpha=alpha, power=power)
        except stats.StatsInputError as error:
            self.n_per_group = None
            self.size_status.value = _info(str(error))
            return
        self.n_per_group = n
        self.size_status.value = _message(
            f"To detect a response rate of {p2:.0%} against {p1:.0%} with {power:.0%} power at "
            f"a two-sided alpha of {alpha:g}, a randomised trial needs {n} patients per group "
            f"({2 * n} in all)."
        )


def trial_design_whatif(
    p_control: float = 0.3,
    p_treatment: float = 0.6,
    entry_threshold: float = 12.0,
    true_mean: float = 8.0,
    n_patients: int = 500,
    seed: int = 0,
) -> TrialDesignWhatIf:
    """Sliders for regression to the mean and for the sample size of a randomised trial.

    The first panel simulates an untreated cohort screened on a noisy activity
    score (:func:`lupus_teach.stats.regression_to_mean_simulation`) and shows
    the apparent improvement of those who entered; the second gives the
    patients per group a two-arm trial would need
    (:func:`lupus_teach.stats.sample_size_two_proportions`).

    Parameters
    ----------
    p_control, p_treatment : float
        Starting response proportions of the two arms.
    entry_threshold : float
        Starting entry threshold of the simulated activity score.
    true_mean : float
        Mean true activity among the patients screened.
    n_patients : int
        Patients screened in the simulation.
    seed : int
        Random seed; the same seed gives the same simulated patients for every
        slider setting, so only the settings change the result.

    Returns
    -------
    TrialDesignWhatIf
        A VBox; ``.controls``, ``.apparent_change``, ``.n_per_group`` hold its
        state.

    Examples
    --------
    >>> whatif = trial_design_whatif()
    >>> whatif.apparent_change < 0
    True
    >>> whatif.controls["p_treatment"].value = 0.3
    >>> whatif.n_per_group is None
    True
    """
    return TrialDesignWhatIf(
        p_control=p_control,
        p_treatment=p_treatment,
        entry_threshold=entry_threshold,
        true_mean=true_mean,
        n_patients=n_patients,
        seed=seed,
    )
