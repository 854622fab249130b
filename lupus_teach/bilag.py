"""The vocabulary of the BILAG index: grades, organ systems, scores and flares.

The British Isles Lupus Assessment Group (BILAG) index grades lupus activity
separately in each organ system, A (severe) to E (never involved), on the
physician's intention to treat. Two versions are in use:

* the **classic** BILAG (Hay et al. 1993), with 8 systems;
* **BILAG-2004** (Isenberg et al. 2005), with 9 systems (vasculitis is no
  longer a system; gastrointestinal and ophthalmic are new).

This module holds the vocabulary as enums and frozen dataclasses, numeric
scoring schemes chosen by name, and comparison of two visits (which systems
worsened, new A and new B grades, flare category and the rule that decided it).

Examples
--------
>>> from lupus_teach.bilag import Grade, global_score, compare_visits
>>> Grade.A > Grade.B            # a grade knows its severity
True
>>> visit = {"general": "C", "mucocutaneous": "B", "neurological": "E",
...          "musculoskeletal": "C", "cardiorespiratory": "E",
...          "vasculitis": "D", "renal": "A", "haematological": "C"}
>>> global_score(visit, scheme="classic-9-3-1")
15
>>> later = dict(visit, renal="B", haematological="A")
>>> compare_visits(visit, later).flare.value
'severe'

References
----------
Hay EM, Bacon PA, Gordon C, et al. The BILAG index: a reliable and valid
instrument for measuring clinical disease activity in systemic lupus
erythematosus. QJM 1993;86:447-458.

Isenberg DA, Rahman A, Allen E, et al. BILAG 2004. Development and initial
validation of an updated version of the British Isles Lupus Assessment
Group's disease activity index for patients with systemic lupus
erythematosus. Rheumatology 2005;44:902-906.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from typing import Any

from lupus_teach.errors import DataValidationError, InvalidGradeError, Problem, UnknownNameError
from lupus_teach.vocabulary import FLARE_SEVERITY

__all__ = [
    "ACTIVITY",
    "CLASSIC_SYSTEMS",
    "SCHEMES",
    "SYSTEMS_2004",
    "SYSTEM_ALIASES",
    "SYSTEM_SYNONYMS",
    "Change",
    "FlareCategory",
    "Grade",
    "IndexVersion",
    "OrganSystem",
    "ScoringScheme",
    "SystemChange",
    "VisitComparison",
    "compare_system",
    "compare_visits",
    "e_after_involvement",
    "e_after_involvement_warning",
    "get_scheme",
    "global_score",
    "infer_index",
    "normalise_system",
    "overall_grade",
    "parse_grade",
    "suggest_system",
    "systems_for",
]


class Grade(StrEnum):
    """A BILAG grade for one organ system, ordered by severity.

    Comparisons follow clinical severity, not the alphabet: ``Grade.A`` is the
    greatest. D and E are both inactive and have the same *activity* (0), but D
    ranks above E in severity because the system was affected before.

    Examples
    --------
    >>> Grade.B > Grade.C
    True
    >>> max([Grade.C, Grade.A, Grade.E])
    <Grade.A: 'A'>
    >>> Grade.A > "b"                # a plain letter is read as a grade, not spelled
    True
    >>> Grade.D.meaning
    'previously affected, now inactive'
    >>> Grade.D.activity == Grade.E.activity == 0
    True
    """

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"

    @property
    def severity(self) -> int:
        """Rank from 4 (A) to 0 (E); higher is more severe."""
        return _SEVERITY[self.value]

    @property
    def activity(self) -> int:
        """Disease activity from 3 (A) to 0 (D and E): D and E are both inactive."""
        return ACTIVITY[self.value]

    @property
    def meaning(self) -> str:
        """The grade's meaning in plain words."""
        return _MEANING[self.value]

    @property
    def is_active(self) -> bool:
        """True for A, B and C (active disease of some degree)."""
        return self.activity > 0

    def _cmp(self, other: object) -> int | None:
        """Severity difference, or None when ``other`` is not a grade.

        A plain string is read as a grade (``Grade.A > "b"`` is True), never
        compared alphabetically; a string that is not a grade raises
        :class:`InvalidGradeError`.
        """
        if isinstance(other, Grade):
            return self.severity - other.severity
        if isinstance(other, str):
            return self.severity - parse_grade(other).severity
        return None

    def __lt__(self, other: object) -> bool:  # type: ignore[override]
        diff = self._cmp(other)
        return NotImplemented if diff is None else diff < 0

    def __le__(self, other: object) -> bool:  # type: ignore[override]
        diff = self._cmp(other)
        return NotImplemented if diff is None else diff <= 0

    def __gt__(self, other: object) -> bool:  # type: ignore[override]
        diff = self._cmp(other)
        return NotImplemented if diff is None else diff > 0

    def __ge__(self, other: object) -> bool:  # type: ignore[override]
        diff = self._cmp(other)
        return NotImplemented if diff is None else diff >= 0

    __hash__ = StrEnum.__hash__


_SEVERITY = {"A": 4, "B": 3, "C": 2, "D": 1, "E": 0}
#: Disease activity of each grade letter: A 3, B 2, C 1, D and E 0 (both inactive).
ACTIVITY: dict[str, int] = {"A": 3, "B": 2, "C": 1, "D": 0, "E": 0}
_MEANING = {
    "A": "severe disease activity needing disease-modifying treatment",
    "B": "moderate disease activity needing symptomatic treatment",
    "C": "mild, stable disease",
    "D": "previously affected, now inactive",
    "E": "never involved",
}
#: Grade letters in order of severity, most severe first.
GRADE_ORDER: tuple[str, ...] = ("A", "B", "C", "D", "E")


def parse_grade(value: object) -> Grade:
    """Turn a letter into a :class:`Grade`, forgiving case and surrounding spaces.

    Parameters
    ----------
    value : str or Grade
        ``"A"`` to ``"E"``; ``" b "`` is accepted as ``B``.

    Returns
    -------
    Grade

    Raises
    ------
    InvalidGradeError
        For anything else (``"F"``, ``"1"``, ``""``, ``None``, ``"A+"``).

    Examples
    --------
    >>> parse_grade(" b ")
    <Grade.B: 'B'>
    >>> parse_grade("F")
    Traceback (most recent call last):
    ...
    lupus_teach.errors.InvalidGradeError: 'F' is not a BILAG grade. Use one of A, B, C, D, E ...
    """
    if isinstance(value, Grade):
        return value
    if isinstance(value, str):
        text = value.strip().upper()
        if text in _SEVERITY:
            return Grade(text)
    raise InvalidGradeError(value)


class IndexVersion(StrEnum):
    """Which version of the BILAG index a table uses.

    Examples
    --------
    >>> IndexVersion("2004").label
    'BILAG-2004'
    """

    CLASSIC = "classic"
    BILAG2004 = "2004"

    @property
    def label(self) -> str:
        """Human name of the version."""
        return "classic BILAG" if self is IndexVersion.CLASSIC else "BILAG-2004"


@dataclass(frozen=True)
class OrganSystem:
    """One organ system of a BILAG index.

    Attributes
    ----------
    name : str
        Machine name used in data files (``"renal"``).
    label : str
        Human label (``"Renal"``).
    index : IndexVersion
        The index version the system belongs to.
    """

    name: str
    label: str
    index: IndexVersion

    def __str__(self) -> str:
        return self.name


CLASSIC_SYSTEMS: tuple[OrganSystem, ...] = tuple(
    OrganSystem(name, label, IndexVersion.CLASSIC)
    for name, label in [
        ("general", "General"),
        ("mucocutaneous", "Mucocutaneous"),
        ("neurological", "Neurological"),
        ("musculoskeletal", "Musculoskeletal"),
        ("cardiorespiratory", "Cardiovascular and respiratory"),
        ("vasculitis", "Vasculitis"),
        ("renal", "Renal"),
        ("haematological", "Haematological"),
    ]
)
"""The 8 systems of the classic BILAG (Hay et al. 1993), in the index's order."""

SYSTEMS_2004: tuple[OrganSystem, ...] = tuple(
    OrganSystem(name, label, IndexVersion.BILAG2004)
    for name, label in [
        ("constitutional", "Constitutional"),
        ("mucocutaneous", "Mucocutaneous"),
        ("neuropsychiatric", "Neuropsychiatric"),
        ("musculoskeletal", "Musculoskeletal"),
        ("cardiorespiratory", "Cardiorespiratory"),
        ("gastrointestinal", "Gastrointestinal"),
        ("ophthalmic", "Ophthalmic"),
        ("renal", "Renal"),
        ("haematological", "Haematological"),
    ]
)
"""The 9 systems of BILAG-2004 (Isenberg et al. 2005), in the index's order."""

#: Alternative spellings accepted in data files, mapped to the machine name.
SYSTEM_ALIASES: dict[str, str] = {"hematological": "haematological"}

_BY_INDEX = {IndexVersion.CLASSIC: CLASSIC_SYSTEMS, IndexVersion.BILAG2004: SYSTEMS_2004}
_CLASSIC_NAMES = frozenset(s.name for s in CLASSIC_SYSTEMS)
_NAMES_2004 = frozenset(s.name for s in SYSTEMS_2004)

_NEURO = ("neurological", "neuropsychiatric")
_CARDIO = ("cardiorespiratory", "cardiorespiratory")
_HAEM = ("haematological", "haematological")
#: Names people write for an organ system that are *not* accepted as they are: each maps
#: to the system to suggest on a classic BILAG file and on a BILAG-2004 file (``None``
#: when that version has no such system). A synonym only ever gives "did you mean";
#: only :data:`SYSTEM_ALIASES` are read as the system itself.
SYSTEM_SYNONYMS: dict[str, tuple[str | None, str | None]] = {
    **dict.fromkeys(("cns", "neuro", "neurology", "neurologic", "nervous system",
                     "neuropsych", "neuropsychiatry", "psychiatric", "neuropsychological",
                     "neuro-psychiatric", "neuro psychiatric"), _NEURO),
    "neurological": (None, "neuropsychiatric"),
    "neuropsychiatric": ("neurological", None),
    "constitutional": ("general", None),
    "general": (None, "constitutional"),
    **dict.fromkeys(("general/constitutional", "constitutional/general", "systemic",
                     "constitutional symptoms", "general symptoms"),
                    ("general", "constitutional")),
    **dict.fromkeys(("skin", "mucosa", "mucosal", "cutaneous", "dermatological",
                     "dermatology", "skin/mucosa", "skin and mucosa", "mucocutaneous skin",
                     "muco-cutaneous", "mucocut"), ("mucocutaneous", "mucocutaneous")),
    **dict.fromkeys(("kidney", "kidneys", "nephritis", "lupus nephritis", "nephrology",
                     "renal system"), ("renal", "renal")),
    **dict.fromkeys(("haematology", "hematology", "blood", "haem", "hem", "haematologic",
                     "hematologic", "haematological system", "hematological system"), _HAEM),
    **dict.fromkeys(("cardiovascular/respiratory", "cardiovascular and respiratory",
                     "cardiovascular & respiratory", "cardiovascular", "respiratory",
                     "cardiac", "heart", "lung", "lungs", "pulmonary", "cardiopulmonary",
                     "cardio", "cardio-respiratory", "cardio respiratory", "cardio/resp",
                     "cardioresp", "cardiorespiratory system"), _CARDIO),
    **dict.fromkeys(("msk", "joints", "joint", "arthritis", "muscle", "muscles",
                     "musculo-skeletal", "musculoskeletal system", "rheumatological"),
                    ("musculoskeletal", "musculoskeletal")),
    **dict.fromkeys(("vasculitic", "vascular", "vasculitides", "vasculitis system"),
                    ("vasculitis", None)),
    **dict.fromkeys(("gi", "gastro", "gut", "abdominal", "gastroenterology",
                     "gastro-intestinal", "gastroenterological", "bowel"),
                    (None, "gastrointestinal")),
    **dict.fromkeys(("eye", "eyes", "ocular", "ophthalmology", "ophthalmological",
                     "ophthalmologic", "ophtalmic", "vision", "visual"), (None, "ophthalmic")),
}


def suggest_system(name: object, index: IndexVersion | str) -> str | None:
    """The system to suggest ("did you mean ...?") for a name that is not one, or None.

    Looks the name up in :data:`SYSTEM_SYNONYMS` (forgiving case and spaces),
    then falls back to a close spelling of one of the index's system names
    (:func:`difflib.get_close_matches`, standard library). Nothing is ever
    accepted here: the caller only shows the suggestion.

    Examples
    --------
    >>> suggest_system("CNS", "classic"), suggest_system("CNS", "2004")
    ('neurological', 'neuropsychiatric')
    >>> suggest_system("Haematology", "classic"), suggest_system("constitutional", "classic")
    ('haematological', 'general')
    >>> suggest_system("renall", "2004"), suggest_system("pancreas", "classic") is None
    ('renal', True)
    """
    import difflib

    version = _as_index(index)
    text = " ".join(str(name).strip().lower().replace("_", " ").split())
    if text in SYSTEM_SYNONYMS:
        return SYSTEM_SYNONYMS[text][0 if version is IndexVersion.CLASSIC else 1]
    names = [s.name for s in _BY_INDEX[version]]
    close = difflib.get_close_matches(text, names, n=1, cutoff=0.8)
    return close[0] if close else None


def _as_index(index: IndexVersion | str) -> IndexVersion:
    if isinstance(index, IndexVersion):
        return index
    text = str(index).strip().lower().replace("bilag-", "").replace("bilag", "")
    try:
        return IndexVersion(text)
    except ValueError:
        raise UnknownNameError(
            "BILAG index version", index, [v.value for v in IndexVersion]
        ) from None


def systems_for(index: IndexVersion | str = IndexVersion.CLASSIC) -> tuple[OrganSystem, ...]:
    """The organ systems of one index version, in the index's order.

    Examples
    --------
    >>> [s.name for s in systems_for("classic")][:3]
    ['general', 'mucocutaneous', 'neurological']
    >>> len(systems_for("2004"))
    9
    """
    return _BY_INDEX[_as_index(index)]


def system_names(index: IndexVersion | str = IndexVersion.CLASSIC) -> tuple[str, ...]:
    """Machine names of the systems of one index version, in order.

    Examples
    --------
    >>> system_names("2004")[-1]
    'haematological'
    """
    return tuple(s.name for s in systems_for(index))


def system_label(name: str) -> str:
    """Human label of a system's machine name (``"cardiorespiratory"`` → its label).

    Examples
    --------
    >>> system_label("renal")
    'Renal'
    """
    canonical = normalise_system(name)
    for system in CLASSIC_SYSTEMS + SYSTEMS_2004:
        if system.name == canonical:
            return system.label
    raise AssertionError("unreachable: normalise_system accepted an unknown name")


def normalise_system(name: object, index: IndexVersion | str | None = None) -> str:
    """Return the machine name of an organ system, forgiving case, spaces and aliases.

    Parameters
    ----------
    name : str
        A system name as written in a data file.
    index : IndexVersion or str, optional
        Restrict to the systems of one index version.

    Raises
    ------
    UnknownNameError
        If the name is not a system (of that index, when given).

    Examples
    --------
    >>> normalise_system(" Hematological ")
    'haematological'
    >>> normalise_system("vasculitis", index="2004")
    Traceback (most recent call last):
    ...
    lupus_teach.errors.UnknownNameError: 'vasculitis' is not a known BILAG-2004 organ system. ...
    """
    text = str(name).strip().lower() if isinstance(name, str) else name
    text = SYSTEM_ALIASES.get(text, text) if isinstance(text, str) else text
    if index is None:
        valid = _CLASSIC_NAMES | _NAMES_2004
        if text in valid:
            return text  # type: ignore[return-value]
        choices = list(system_names("classic")) + [
            n for n in system_names("2004") if n not in _CLASSIC_NAMES
        ]
        raise UnknownNameError("organ system", name, choices)
    version = _as_index(index)
    names = system_names(version)
    if text in names:
        return text  # type: ignore[return-value]
    hint = ""
    if text in (_CLASSIC_NAMES | _NAMES_2004):
        other = "classic BILAG" if version is IndexVersion.BILAG2004 else "BILAG-2004"
        hint = f"It belongs to the {other}; a table must use one version only."
    raise UnknownNameError(f"{version.label} organ system", name, names, hint)


def infer_index(system_names_seen: Iterable[str]) -> IndexVersion:
    """Infer the index version from the system names a table uses.

    Names shared by both versions (mucocutaneous, musculoskeletal,
    cardiorespiratory, renal, haematological) say nothing; ``general``,
    ``neurological`` or ``vasculitis`` mean classic; ``constitutional``,
    ``neuropsychiatric``, ``gastrointestinal`` or ``ophthalmic`` mean
    BILAG-2004. With only shared names the classic index is assumed.

    Raises
    ------
    DataValidationError
        If the names mix the two versions.

    Examples
    --------
    >>> infer_index(["renal", "ophthalmic"]).value
    '2004'
    >>> infer_index(["renal", "vasculitis"]).value
    'classic'
    """
    names = {SYSTEM_ALIASES.get(n, n) for n in (str(s).strip().lower() for s in system_names_seen)}
    classic_only = sorted(names & (_CLASSIC_NAMES - _NAMES_2004))
    only_2004 = sorted(names & (_NAMES_2004 - _CLASSIC_NAMES))
    if classic_only and only_2004:
        raise DataValidationError(
            [
                Problem(
                    "<systems>",
                    None,
                    "system",
                    None,
                    "the table mixes classic BILAG systems "
                    f"({', '.join(classic_only)}) with BILAG-2004 systems "
                    f"({', '.join(only_2004)}); use one version throughout.",
                )
            ]
        )
    return IndexVersion.BILAG2004 if only_2004 else IndexVersion.CLASSIC


# --------------------------------------------------------------------------
# Numeric scores
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoringScheme:
    """A numeric conversion of grades into a global score.

    Attributes
    ----------
    name : str
        Name used to choose the scheme (``"classic-9-3-1"``).
    weights : Mapping[str, int]
        Points for each grade letter.
    index : IndexVersion
        The index version the scheme was designed for.
    reference : str
        Publication the weights come from.
    """

    name: str
    weights: Mapping[str, int]
    index: IndexVersion
    reference: str
    description: str = ""

    def points(self, grade: Grade | str) -> int:
        """Points for one grade."""
        return self.weights[parse_grade(grade).value]

    def maximum(self) -> int:
        """Highest possible global score (every system graded A)."""
        return self.weights["A"] * len(systems_for(self.index))


SCHEMES: dict[str, ScoringScheme] = {
    s.name: s
    for s in [
        ScoringScheme(
            "classic-9-3-1",
            {"A": 9, "B": 3, "C": 1, "D": 0, "E": 0},
            IndexVersion.CLASSIC,
            "The long-used numeric conversion of the classic BILAG (A=9, B=3, C=1, D=E=0; "
            "0-72 over 8 systems), as described by Cresswell L, Yee CS, et al. "
            "Rheumatology 2009;48:1548-1552.",
            "Classic BILAG, A=9 B=3 C=1 D=0 E=0 (0-72).",
        ),
        ScoringScheme(
            "classic-12-5-1",
            {"A": 12, "B": 5, "C": 1, "D": 0, "E": 0},
            IndexVersion.CLASSIC,
            "Cresswell L, Yee CS, Farewell V, et al. Numerical scoring for the Classic BILAG "
            "index. Rheumatology 2009;48:1548-1552.",
            "Classic BILAG, A=12 B=5 C=1 D=0 E=0 (0-96), recommended by Cresswell et al.",
        ),
        ScoringScheme(
            "bilag2004",
            {"A": 12, "B": 8, "C": 1, "D": 0, "E": 0},
            IndexVersion.BILAG2004,
            "Yee CS, Cresswell L, Farewell V, et al. Numerical scoring for the BILAG-2004 "
            "index. Rheumatology 2010;49:1665-1669.",
            "BILAG-2004, A=12 B=8 C=1 D=0 E=0 (0-108).",
        ),
    ]
}
"""Numeric scoring schemes by name."""

DEFAULT_SCHEME = {IndexVersion.CLASSIC: "classic-9-3-1", IndexVersion.BILAG2004: "bilag2004"}


def get_scheme(name: str | ScoringScheme) -> ScoringScheme:
    """Look up a scoring scheme by name.

    Examples
    --------
    >>> get_scheme("bilag2004").weights["B"]
    8
    >>> get_scheme("9/3/1")
    Traceback (most recent call last):
    ...
    lupus_teach.errors.UnknownNameError: '9/3/1' is not a known scoring scheme. Choose one of: ...
    """
    if isinstance(name, ScoringScheme):
        return name
    try:
        return SCHEMES[name]
    except KeyError:
        raise UnknownNameError("scoring scheme", name, SCHEMES) from None


def global_score(
    grades: Mapping[str, Grade | str],
    scheme: str | ScoringScheme | None = None,
    *,
    fill: Grade | str | None = None,
) -> int:
    """Sum the points of every system's grade under a named scheme.

    A visit with systems missing is **refused** unless ``fill`` says which
    grade the missing systems take: a global score over part of the index
    would look like a whole one (a choice, see
    :data:`lupus_teach.response.INDEX_CHOICES`).

    Parameters
    ----------
    grades : mapping of system name to grade
        One visit, one grade per system.
    scheme : str, optional
        A name from :data:`SCHEMES`. By default ``"classic-9-3-1"`` for a classic
        visit and ``"bilag2004"`` for a BILAG-2004 visit.
    fill : str, optional
        Grade given to every system the visit does not list (``"E"``: never
        involved). By default a visit must grade every system.

    Returns
    -------
    int

    Raises
    ------
    DataValidationError
        Listing at once every system that is unknown, belongs to the other
        index version than the scheme's, or is graded twice (``hematological``
        and ``haematological``), and every grade outside A-E.

    Examples
    --------
    >>> v = {"renal": "A", "haematological": "B", "mucocutaneous": "C"}
    >>> global_score(v, "classic-9-3-1", fill="E"), global_score(v, "classic-12-5-1", fill="E")
    (13, 18)
    >>> global_score({"kidney": "A"}, fill="E")
    Traceback (most recent call last):
    ...
    lupus_teach.errors.DataValidationError: visit: found 1 problem; nothing was changed or dropped.
      - visit, column 'system', value 'kidney': 'kidney' is not a known classic BILAG ...
    >>> global_score({"renal": "A"})
    Traceback (most recent call last):
    ...
    lupus_teach.errors.DataValidationError: visit: found 1 problem; ...
      - ... the visit has no grade for general, mucocutaneous, ...
    """
    problems: list[Problem] = []
    if scheme is None:
        version, problems = _infer_visit_index(grades)
        chosen = get_scheme(DEFAULT_SCHEME[version])
    else:
        chosen = get_scheme(scheme)
    if fill is not None:
        filler = parse_grade(fill)
        known = set()
        for name in grades:
            try:
                known.add(normalise_system(name, chosen.index))
            except UnknownNameError:
                pass
        grades = {**grades, **{s: filler for s in system_names(chosen.index) if s not in known}}
    checked, more = _visit_problems(grades, "visit", chosen.index, require_all=True)
    problems += more
    if problems:
        raise DataValidationError(problems, source="visit")
    return sum(chosen.points(g) for g in checked.values())


def overall_grade(grades: Mapping[str, Grade | str] | Iterable[Grade | str]) -> Grade:
    """The visit's overall grade: the most severe grade in any system.

    Examples
    --------
    >>> overall_grade(["C", "B", "E"])
    <Grade.B: 'B'>
    """
    values = grades.values() if isinstance(grades, Mapping) else grades
    return max(parse_grade(g) for g in values)


# --------------------------------------------------------------------------
# Comparing visits
# --------------------------------------------------------------------------


class Change(StrEnum):
    """Direction of change of one system between two visits (by activity)."""

    IMPROVED = "improved"
    SAME = "same"
    WORSENED = "worsened"


class FlareCategory(Enum):
    """BILAG flare categories, ordered from none to severe.

    Examples
    --------
    >>> FlareCategory.SEVERE > FlareCategory.MILD
    True
    """

    NONE = "none"
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"

    @property
    def rank(self) -> int:
        return _FLARE_RANK[self.value]

    @property
    def label(self) -> str:
        """The words used for it everywhere (:data:`lupus_teach.vocabulary.FLARE_SEVERITY`).

        Examples
        --------
        >>> FlareCategory.MODERATE.label
        'moderate flare'
        """
        return FLARE_SEVERITY[self.value].label

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, FlareCategory):
            return NotImplemented
        return self.rank < other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, FlareCategory):
            return NotImplemented
        return self.rank > other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, FlareCategory):
            return NotImplemented
        return self.rank <= other.rank

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, FlareCategory):
            return NotImplemented
        return self.rank >= other.rank


_FLARE_RANK = {"none": 0, "mild": 1, "moderate": 2, "severe": 3}

#: The flare rules, in words, with their labels from :mod:`lupus_teach.vocabulary`.
#: They follow Gordon et al. (2003) for the classic index: severe = a new A;
#: moderate = a new B (from C, D or E; one new B is enough here); mild = a new C
#: (from D or E). BILAG-2004 data are graded by the same grade rule, with the
#: category names of Isenberg et al. (Ann Rheum Dis 2011;70:54: severe,
#: moderate, mild or no flare), whose rule table was not available; some
#: BILAG-2004 trials grade one new B as mild and two as moderate.
FLARE_RULES: dict[FlareCategory, str] = {
    FlareCategory(key): f"{term.label}: {term.definition}"
    for key, term in FLARE_SEVERITY.items()
}


@dataclass(frozen=True)
class SystemChange:
    """How one organ system changed between two visits.

    Attributes
    ----------
    system : str
    before, after : Grade
    change : Change
        Improved, same or worsened, judged by activity (D and E count as equal).
    flare : FlareCategory
        The flare this system's change amounts to on its own.
    """

    system: str
    before: Grade
    after: Grade
    change: Change
    flare: FlareCategory

    @property
    def new_a(self) -> bool:
        """A new A: graded A now and not A before."""
        return self.flare is FlareCategory.SEVERE

    @property
    def new_b(self) -> bool:
        """A new B: graded B now and C, D or E before (A to B is an improvement)."""
        return self.flare is FlareCategory.MODERATE

    def describe(self) -> str:
        """One line, for example ``"renal: B -> A (worsened, new A)"``."""
        extra = ", new A" if self.new_a else ", new B" if self.new_b else ""
        extra += ", new C" if self.flare is FlareCategory.MILD else ""
        return f"{self.system}: {self.before.value} -> {self.after.value} ({self.change}{extra})"


def compare_system(
    before: Grade | str, after: Grade | str, system: str = "system"
) -> SystemChange:
    """Compare one system's grade at two visits.

    Parameters
    ----------
    before, after : Grade or str
        Grades at the earlier and later visit.
    system : str, optional
        Name used in descriptions.

    Examples
    --------
    >>> c = compare_system("C", "A", "renal")
    >>> c.change.value, c.new_a, c.flare.value
    ('worsened', True, 'severe')
    >>> compare_system("A", "B").new_b      # A to B is an improvement, not a new B
    False
    >>> compare_system("E", "D").change.value   # both inactive
    'same'
    """
    b, a = parse_grade(before), parse_grade(after)
    if a.activity > b.activity:
        change = Change.WORSENED
    elif a.activity < b.activity:
        change = Change.IMPROVED
    else:
        change = Change.SAME
    if change is Change.WORSENED:
        flare = {3: FlareCategory.SEVERE, 2: FlareCategory.MODERATE, 1: FlareCategory.MILD}[
            a.activity
        ]
    else:
        flare = FlareCategory.NONE
    return SystemChange(system, b, a, change, flare)


@dataclass(frozen=True)
class VisitComparison:
    """Two visits compared system by system.

    Attributes
    ----------
    changes : tuple of SystemChange
        One per system, in the index's order.
    flare : FlareCategory
        The visit's flare category: the most severe of the systems'.
    rule : str
        The rule that decided the category, naming the systems that fired it.
    """

    changes: tuple[SystemChange, ...]
    flare: FlareCategory
    rule: str
    index: IndexVersion = field(default=IndexVersion.CLASSIC)

    @property
    def worsened(self) -> tuple[str, ...]:
        """Systems whose activity increased."""
        return tuple(c.system for c in self.changes if c.change is Change.WORSENED)

    @property
    def improved(self) -> tuple[str, ...]:
        """Systems whose activity decreased."""
        return tuple(c.system for c in self.changes if c.change is Change.IMPROVED)

    @property
    def new_a(self) -> tuple[str, ...]:
        """Systems with a new A."""
        return tuple(c.system for c in self.changes if c.new_a)

    @property
    def new_b(self) -> tuple[str, ...]:
        """Systems with a new B."""
        return tuple(c.system for c in self.changes if c.new_b)

    def to_frame(self) -> Any:
        """The comparison as a DataFrame, one row per system."""
        import pandas as pd

        return pd.DataFrame(
            {
                "system": [c.system for c in self.changes],
                "before": [c.before.value for c in self.changes],
                "after": [c.after.value for c in self.changes],
                "change": [c.change.value for c in self.changes],
                "flare": [c.flare.value for c in self.changes],
            }
        )


def _infer_visit_index(
    names: Iterable[str], label: str = "visit"
) -> tuple[IndexVersion, list[Problem]]:
    """Infer the index version; a mix becomes a problem (and the majority wins)."""
    try:
        return infer_index(names), []
    except DataValidationError as err:
        seen = {SYSTEM_ALIASES.get(n, n) for n in (str(s).strip().lower() for s in names)}
        n_classic = len(seen & (_CLASSIC_NAMES - _NAMES_2004))
        n_2004 = len(seen & (_NAMES_2004 - _CLASSIC_NAMES))
        version = IndexVersion.BILAG2004 if n_2004 > n_classic else IndexVersion.CLASSIC
        problems = [
            Problem(label, p.row, p.column, p.value, p.message) for p in err.problems
        ]
        return version, problems


def _visit_problems(
    visit: Mapping[str, Any], label: str, index: IndexVersion, require_all: bool = True
) -> tuple[dict[str, Grade], list[Problem]]:
    grades: dict[str, Grade] = {}
    problems: list[Problem] = []
    written: dict[str, object] = {}
    reported: set[str] = set()
    for name, value in visit.items():
        try:
            system = normalise_system(name, index)
        except UnknownNameError as err:
            problems.append(Problem(label, None, "system", name, str(err)))
            system = None
        if system is not None and system in written:
            problems.append(
                Problem(
                    label,
                    None,
                    "system",
                    name,
                    f"{system} is graded twice (as {written[system]!r} and {name!r}); "
                    "give one grade per system.",
                )
            )
            continue
        try:
            grade = parse_grade(value)
        except InvalidGradeError as err:
            problems.append(Problem(label, None, system or str(name), value, str(err)))
            if system is not None:
                written[system] = name
                reported.add(system)
            continue
        if system is not None:
            written[system] = name
            grades[system] = grade
    missing = [n for n in system_names(index) if n not in grades and n not in reported]
    if require_all and missing:
        problems.append(
            Problem(
                label,
                None,
                "system",
                None,
                f"the visit has no grade for {', '.join(missing)}; "
                f"every {index.label} visit needs all {len(system_names(index))} systems.",
            )
        )
    return grades, problems


def compare_visits(
    before: Mapping[str, Grade | str],
    after: Mapping[str, Grade | str],
    index: IndexVersion | str | None = None,
) -> VisitComparison:
    """Compare two whole visits: what worsened, new A and B grades, and the flare.

    The visit's flare category is the most severe one any system reached:
    **severe** if any system has a new A, else **moderate** if any has a new B
    (one is enough: some trials ask for two), else **mild** if any system moved
    from D or E to C, else **none**. The ``rule`` says which rule fired and in
    which systems.

    Parameters
    ----------
    before, after : mapping of system name to grade
        Every system of the index must be graded at both visits.
    index : {"classic", "2004"}, optional
        Inferred from the system names when not given.

    Raises
    ------
    DataValidationError
        Listing at once every unknown system, invalid grade, system graded twice,
        missing system and a mix of the two index versions.

    References
    ----------
    Gordon C, Sutcliffe N, Skan J, Stoll T, Isenberg DA. Definition and
    treatment of lupus flares measured by the BILAG index. Rheumatology
    2003;42:1372-1379.

    Examples
    --------
    >>> base = dict.fromkeys(["general", "mucocutaneous", "neurological",
    ...     "musculoskeletal", "cardiorespiratory", "vasculitis", "renal",
    ...     "haematological"], "E")
    >>> result = compare_visits(base, dict(base, mucocutaneous="B"))
    >>> result.flare.value, result.new_b
    ('moderate', ('mucocutaneous',))
    >>> print(result.rule)
    moderate flare: a new BILAG B (the system was C, D or E at the earlier visit) -- ...
    >>> compare_visits(base, base).flare.value
    'none'
    """
    problems: list[Problem] = []
    if index is not None:
        version = _as_index(index)
    else:
        version, problems = _infer_visit_index([*before, *after], "visits")
    grades_before, problems_before = _visit_problems(before, "earlier visit", version)
    grades_after, problems_after = _visit_problems(after, "later visit", version)
    problems += problems_before + problems_after
    if problems:
        raise DataValidationError(problems, source="visit comparison")
    changes = tuple(
        compare_system(grades_before[name], grades_after[name], name)
        for name in system_names(version)
    )
    flare = max((c.flare for c in changes), default=FlareCategory.NONE)
    rule = FLARE_RULES[flare]
    if flare is not FlareCategory.NONE:
        fired = [
            f"{c.system} {c.before.value} -> {c.after.value}" for c in changes if c.flare is flare
        ]
        rule += " -- " + ", ".join(fired)
    return VisitComparison(changes, flare, rule, version)


def e_after_involvement(visits: Any) -> Any:
    """Rows graded E (never involved) after an earlier visit graded A, B, C or D.

    E means the system was *never* involved, so an E after any of A-D in the
    same system contradicts an earlier visit; D is the grade for "previously
    active, now inactive". This is a warning, not an error: the activity of E
    and D is the same (0), so no score or classification changes, but the
    record is probably miscoded. ``lupus-teach classify`` and ``report`` print
    it on the console (see :func:`e_after_involvement_warning`).

    Parameters
    ----------
    visits : DataFrame
        A long table with ``patient_id, month, system, grade`` (grades already
        normalised, as :func:`lupus_teach.visits.read_visits` returns them).

    Returns
    -------
    DataFrame
        ``patient_id, system, month, earlier_month, earlier_grade``: one row
        per E that follows an involved grade, with the first earlier visit
        that was involved.

    Examples
    --------
    >>> import pandas as pd
    >>> v = pd.DataFrame({"patient_id": ["p1"] * 3, "month": [0, 3, 6],
    ...                   "system": ["renal"] * 3, "grade": ["A", "D", "E"]})
    >>> e_after_involvement(v).to_dict("records")
    [{'patient_id': 'p1', 'system': 'renal', 'month': 6, 'earlier_month': 0, 'earlier_grade': 'A'}]
    """
    import numpy as np
    import pandas as pd

    columns = ["patient_id", "system", "month", "earlier_month", "earlier_grade"]
    found = _e_after_rows(visits)
    e_rows, earlier, month, letters, grade_codes = (
        found["e_rows"], found["earlier"], found["month"], found["letters"],
        found["grade_codes"])
    # in order of patient, system (as text), month and row, as a stable sort would give
    order = np.lexsort((e_rows, month[e_rows], found["sys_rank"][found["sys_codes"][e_rows]],
                        found["pid_rank"][found["pid_codes"][e_rows]]))
    e_rows, earlier = e_rows[order], earlier[order]
    frame = pd.DataFrame({
        "patient_id": pd.Series(visits["patient_id"].to_numpy()[e_rows], dtype=object),
        "system": pd.Series(visits["system"].to_numpy()[e_rows]).astype(str),
        "month": month[e_rows],
        "earlier_month": month[earlier],
        "earlier_grade": pd.Series(letters[grade_codes[earlier]]).astype(str),
    })
    return pd.DataFrame(frame, columns=columns)


def _e_after_rows(visits: Any) -> dict[str, Any]:
    """The rows of :func:`e_after_involvement` (unsorted) and the integer codes behind them.

    Works on integer codes (:func:`pandas.factorize`) rather than sorting millions
    of rows of text: ``e_rows`` (rows graded E after an involved grade),
    ``earlier`` (each one's first involved row: earliest month, then first
    row), ``group`` (patient code x number of systems + system code), and the
    codes, ranks (text order) and arrays they index.
    """
    import numpy as np
    import pandas as pd

    def codes_of(column: Any) -> tuple[Any, Any]:
        # a categorical column (as read_visits returns system and grade) has its codes;
        # their order does not matter here (the output is sorted by text)
        if isinstance(column.dtype, pd.CategoricalDtype):
            return column.cat.codes.to_numpy(), column.cat.categories
        return pd.factorize(column)

    from lupus_teach._codes import factorize

    pid_codes, pid_uniques = factorize(visits["patient_id"])
    sys_codes, sys_uniques = codes_of(visits["system"])
    grade_codes, grade_uniques = codes_of(visits["grade"])
    letters = np.array([str(g) for g in grade_uniques] + [""], dtype=object)
    grade_codes = np.where(grade_codes < 0, len(letters) - 1, grade_codes)
    month = visits["month"].to_numpy()
    n_systems = max(len(sys_uniques), 1)
    group = pid_codes.astype(np.int64) * n_systems + sys_codes
    n_groups = (int(group.max()) + 1) if len(group) else 0
    known = (pid_codes >= 0) & (sys_codes >= 0)
    rows = np.flatnonzero(np.isin(letters, ["A", "B", "C", "D"])[grade_codes] & known)
    # each patient and system's first involved visit: earliest month, then first row
    first_row = np.full(n_groups, -1, dtype=np.int64)
    distinct_months = pd.unique(month[rows]) if len(rows) else np.array([])
    if 0 < len(distinct_months) <= 64 and not pd.isna(distinct_months).any():
        # few months (a visit grid): one pass per month, earliest first; within a
        # month the first row of a group wins (the last of repeated assignments)
        involved_months = month[rows]
        for m in np.sort(distinct_months):
            at = rows[involved_months == m]
            g = group[at]
            new = first_row[g] < 0
            at, g = at[new], g[new]
            first_row[g[::-1]] = at[::-1]
    elif len(rows):
        firsts = pd.Series(month[rows]).groupby(group[rows], sort=False).idxmin().to_numpy()
        first_row[group[rows[firsts]]] = rows[firsts]
    e_rows = np.flatnonzero((letters == "E")[grade_codes] & known)
    earlier = first_row[group[e_rows]]
    keep = earlier >= 0
    e_rows, earlier = e_rows[keep], earlier[keep]
    later = month[e_rows] > month[earlier]
    e_rows, earlier = e_rows[later], earlier[later]
    pid_rank = np.argsort(np.argsort(np.asarray(pid_uniques, dtype=object), kind="stable"))
    sys_rank = np.argsort(np.argsort(np.array([str(s) for s in sys_uniques], dtype=object),
                                     kind="stable"))
    return {"e_rows": e_rows, "earlier": earlier, "group": group, "n_systems": n_systems,
            "n_groups": n_groups, "month": month, "letters": letters,
            "grade_codes": grade_codes, "pid_codes": pid_codes, "sys_codes": sys_codes,
            "pid_rank": pid_rank, "sys_rank": sys_rank}


def e_after_involvement_warning(visits: Any, limit: int = 5) -> str:
    """A console warning naming E grades that follow A-D in the same system ('' if none).

    Each patient and system is named once, with the first such visit.

    Examples
    --------
    >>> import pandas as pd
    >>> v = pd.DataFrame({"patient_id": ["p1"] * 3, "month": [0, 3, 6],
    ...                   "system": ["renal"] * 3, "grade": ["C", "E", "E"]})
    >>> print(e_after_involvement_warning(v))
    warning: grade E (never involved) after an earlier A, B, C or D in the same system at \
2 visits (1 patient and system); E means never involved, D previously active: p1 renal \
from month 3 (after C at month 0)
    """
    import numpy as np

    found = _e_after_rows(visits)
    e_rows, earlier, month_of = found["e_rows"], found["earlier"], found["month"]
    if not len(e_rows):
        return ""

    def month(m: float) -> str:
        return str(int(m)) if float(m).is_integer() else str(m)

    # the patients and systems concerned, without sorting every row: only the
    # first `limit` of them in text order are named
    groups = found["group"][e_rows]
    concerned = np.flatnonzero(np.bincount(groups, minlength=found["n_groups"]))
    pairs = len(concerned)
    n_systems = found["n_systems"]
    pair_key = (found["pid_rank"][concerned // n_systems].astype(np.int64) * n_systems
                + found["sys_rank"][concerned % n_systems])
    shown_groups = concerned[np.argsort(pair_key, kind="stable")[:max(limit, 0)]]
    visits_pid = visits["patient_id"].to_numpy()
    visits_system = visits["system"].to_numpy()
    shown = []
    for g in shown_groups:
        mine = np.flatnonzero(groups == g)
        first = mine[np.lexsort((e_rows[mine], month_of[e_rows[mine]]))[0]]
        row, before = e_rows[first], earlier[first]
        grade = found["letters"][found["grade_codes"][before]]
        shown.append(f"{visits_pid[row]} {visits_system[row]} from month "
                     f"{month(month_of[row])} (after {grade} at month {month(month_of[before])})")
    more = f" (and {pairs - limit:,} more)" if pairs > limit else ""
    n = len(e_rows)
    return (f"warning: grade E (never involved) after an earlier A, B, C or D in the same "
            f"system at {n:,} visit{'s' if n != 1 else ''} ({pairs:,} patient"
            f"{'s' if pairs != 1 else ''} and system{'s' if pairs != 1 else ''}); E means "
            "never involved, D previously active: " + "; ".join(shown) + more)
