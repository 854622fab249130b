"""The clinical vocabulary of the package: every term stated once.

Two different comparisons hide behind the everyday word "flare", and the
package names them apart:

* a **new score** is judged against **baseline**: a system graded A at a
  visit that was not A at baseline (a *new A*), or graded B that was C, D or E
  at baseline (a *new B*). Response rules count new scores; judged this way,
  making a later grade milder can never make a response worse.
* a **flare** is judged against the **previous visit** and has a severity
  (Gordon et al. 2003): *severe* = a new A, *moderate* = a new B, *mild* = a
  system moving from D or E to C. :func:`lupus_teach.bilag.compare_visits`
  computes it, and the report's flares-by-month chart counts it.

A definition's own named terms keep their own names: EXPLORER's "moderate or
severe flare" (a new A, or new B scores in two or more systems, at one visit,
against baseline) reads **EXPLORER flare** in reasons, so that it is never
mistaken for the flare of the report.

Reasons (:data:`lupus_teach.response._REASONS`), the flare chart, the report,
the glossary and the lessons use exactly these words; ``tests/test_vocabulary.py``
compares the book's glossary with :func:`glossary_entries`.

Each term is a frozen :class:`Term`: its key, the label used in text, one
definition sentence and its source.

Examples
--------
>>> NEW_SCORE.label
'new score'
>>> FLARE_SEVERITY["moderate"].label
'moderate flare'
>>> EXPLORER_FLARE.label
'EXPLORER flare'
>>> print(TERMS["relapse"].definition.split(":")[0])
Relapse
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

__all__ = [
    "ACTIVE_AT_ENTRY",
    "BICLA",
    "EXPLORER_FLARE",
    "FLARE",
    "FLARE_SEVERITY",
    "MCR",
    "NEW_SCORE",
    "NR",
    "PCR",
    "RELAPSE",
    "RESPONDER",
    "TERMS",
    "Term",
    "glossary_entries",
]


@dataclass(frozen=True)
class Term:
    """One clinical term.

    Attributes
    ----------
    name : str
        Key (``"new_score"``).
    label : str
        The words used for it in reasons, charts, the report and lessons.
    definition : str
        One or two sentences, in the words the glossary shows.
    source : str
        Where the term comes from (author, year; the references page has the
        full citation), or how the package reads it.
    headwords : tuple of str
        The glossary entry's headwords (default: the label).
    """

    name: str
    label: str
    definition: str
    source: str
    headwords: tuple[str, ...] = field(default_factory=tuple)

    def glossary_headwords(self) -> tuple[str, ...]:
        """Headwords of the glossary entry (the label when none are given)."""
        return self.headwords or (self.label,)


NEW_SCORE = Term(
    "new_score",
    "new score",
    "A new score is judged against baseline: a new A is a system graded A at a visit that was "
    "not A at baseline, and a new B a system graded B that was C, D or E at baseline (A to B "
    "is an improvement). Response rules count new scores, so making a later grade milder can "
    "never make a response worse.",
    "EXPLORER (Merrill 2010) and BICLA (Wallace 2014) judge new scores against baseline.",
    ("new score", "new A", "new B"),
)

FLARE = Term(
    "flare",
    "flare",
    "A flare is judged against the previous visit, and the visit takes the most severe "
    "category any system reached: a severe flare is a new A (the system was B, C, D or E at "
    "the previous visit), a moderate flare a new B (it was C, D or E), a mild flare a system "
    "moving from D or E to C. One new B is enough for a moderate flare here.",
    "The rule follows Gordon et al. for the classic index {cite}`gordon2003`. BILAG-2004 data "
    "are graded by the same rule, with the categories Isenberg et al. name (severe, moderate, "
    "mild or no flare) {cite}`isenberg2011`; some BILAG-2004 trials grade a single new B as a "
    "mild flare and two new B as a moderate one.",
    ("flare", "severe flare", "moderate flare", "mild flare"),
)

#: The flare severities of :data:`FLARE`, by :class:`lupus_teach.bilag.FlareCategory` value.
FLARE_SEVERITY: dict[str, Term] = {
    "severe": Term("severe_flare", "severe flare",
                   "a new BILAG A (the system was B, C, D or E at the earlier visit)",
                   "Gordon 2003"),
    "moderate": Term("moderate_flare", "moderate flare",
                     "a new BILAG B (the system was C, D or E at the earlier visit)",
                     "Gordon 2003"),
    "mild": Term("mild_flare", "mild flare",
                 "a new BILAG C (the system was D or E at the earlier visit)",
                 "Gordon 2003"),
    "none": Term("no_flare", "no flare",
                 "no system moved to A, B or C from a milder grade", "Gordon 2003"),
}

EXPLORER_FLARE = Term(
    "explorer_flare",
    "EXPLORER flare",
    "EXPLORER's moderate or severe flare, called an EXPLORER flare here: at one visit, a new A "
    "in any system or new B scores in two or more systems, compared with baseline. It ends an "
    "EXPLORER response, major or partial, at any visit up to month 12 (week 52): the response "
    "must hold 'without subsequent flares over 52 weeks' {cite}`merrill2011`.",
    "Merrill 2010; Merrill 2011 {cite}`merrill2011`: 'reduced clinical activity without "
    "subsequent flares over 52 weeks'.",
    ("EXPLORER flare",),
)

ACTIVE_AT_ENTRY = Term(
    "active_at_entry",
    "active disease at entry",
    "Active disease at entry means at least one system graded A, or at least two graded B, at "
    "baseline. A patient without it cannot respond under any definition: the classification "
    "is NR, with a reason that says the entry rule is not met.",
    "EXPLORER and BICLA trials enrolled patients with at least one BILAG A or two BILAG B.",
    ("active disease at entry", "entry rule"),
)

MCR = Term(
    "mcr",
    "major clinical response",
    "The best response category of a definition that has two. Under the UC-MSC study's "
    "definition it is decided at month 6; a new score after that is reported as a relapse "
    "and does not remove the MCR.",
    "Wang 2014 as paraphrased by the news report; EXPLORER (Merrill 2010).",
    ("MCR", "major clinical response"),
)

PCR = Term(
    "pcr",
    "partial clinical response",
    "The intermediate response category: an improvement short of MCR.",
    "Wang 2014 as paraphrased by the news report; EXPLORER (Merrill 2010).",
    ("PCR", "partial clinical response"),
)

RESPONDER = Term(
    "responder",
    "responder",
    "The positive category of a yes/no definition such as BICLA, which has no major/partial "
    "split.",
    "Wallace 2014.",
    ("responder",),
)

NR = Term(
    "nr",
    "non-response",
    "A patient who meets no response category of the definition, including a patient whose "
    "needed visits are missing and one without active disease at entry.",
    "The package's reading: neither MCR nor PCR (not defined in the sources read).",
    ("NR", "non-response"),
)

RELAPSE = Term(
    "relapse",
    "relapse",
    "Relapse: in a patient who responded (MCR or PCR), the first later visit at which a system "
    "is newly A or newly B compared with the previous visit. It is reported beside the "
    "response (the month of the relapse) and does not change it.",
    "Wang 2014 counts relapses 'after a prior clinical response'; judging against the previous "
    "visit is the package's choice.",
    ("relapse",),
)

BICLA = Term(
    "bicla",
    "BICLA",
    "A trial response that combines several instruments {cite}`wallace2014`. A responder has "
    "every baseline BILAG-2004 A improved to B or better and every B improved to C or better, "
    "no new A and at most one new B, no worsening of {term}`SLEDAI-2K`, a physician's global "
    "assessment that has not worsened by 10% or more, and no treatment failure.",
    "Wallace 2014; the wording checked against the ePROVIDE instrument page.",
    ("BICLA", "BILAG-based Composite Lupus Assessment"),
)

#: Every term by key.
TERMS: dict[str, Term] = {
    t.name: t
    for t in (NEW_SCORE, FLARE, *FLARE_SEVERITY.values(), EXPLORER_FLARE, ACTIVE_AT_ENTRY,
              MCR, PCR, RESPONDER, NR, RELAPSE, BICLA)
}

#: The terms that have an entry of their own in the book's glossary.
GLOSSARY_TERMS: tuple[Term, ...] = (
    NEW_SCORE, FLARE, EXPLORER_FLARE, ACTIVE_AT_ENTRY, MCR, PCR, NR, RELAPSE,
)


def _entry(headwords: tuple[str, ...], paragraphs: list[str]) -> str:
    lines = list(headwords)
    for i, text in enumerate(paragraphs):
        if i:
            lines.append("")
        lines += textwrap.wrap(text, width=76, initial_indent="  ", subsequent_indent="  ",
                               break_on_hyphens=False)
    return "\n".join(lines)


def glossary_entries() -> dict[str, str]:
    """The glossary entries generated from the vocabulary and the definitions.

    Keys are the first headword; values are MyST glossary entries (headwords,
    then the definition indented by two spaces). The book's
    ``book/glossary.md`` must contain each entry (``tests/test_vocabulary.py``
    compares them with whitespace normalised), so a change of rule or term
    that leaves the glossary saying otherwise fails a test.

    Examples
    --------
    >>> entries = glossary_entries()
    >>> print(entries["flare"].splitlines()[0])
    flare
    >>> "EXPLORER flare" in entries
    True
    """
    from lupus_teach.response import DEFINITIONS

    def rules_of(name: str, start: str) -> list[str]:
        return [r for r in DEFINITIONS[name].rules if r.startswith(start)]

    entries: dict[str, str] = {}
    for term in GLOSSARY_TERMS:
        paragraphs = [term.definition]
        if term is MCR:
            paragraphs += ["In `wang2014`: " + " ".join(rules_of("wang2014", "MCR")),
                           "In `explorer`: " + " ".join(rules_of("explorer", "MCR"))]
        elif term is PCR:
            paragraphs += ["In `wang2014`: " + " ".join(rules_of("wang2014", "PCR")),
                           "In `explorer`: " + " ".join(rules_of("explorer", "PCR"))]
        elif term is FLARE:
            paragraphs.append(term.source)
        if term in (MCR, PCR):
            paragraphs[-1] += " " + " ".join(rules_of("explorer", "The response must hold"))
        headwords = term.glossary_headwords()
        entries[headwords[0]] = _entry(headwords, paragraphs)
    for name, headwords in (("wang2014", ("wang2014", "UC-MSC study definition")),
                            ("explorer", ("EXPLORER", "EXPLORER definition"))):
        definition = DEFINITIONS[name]
        version = definition.index.label if definition.index is not None else "either version"
        entries[headwords[0]] = _entry(headwords, [
            f"{definition.title}: the response definition `{name}`, written for the "
            f"{version}, read at months {', '.join(map(str, definition.schedule))}. The "
            "rules and every choice the package makes are on the "
            "[response definitions](definitions.md) page."
        ])
    bicla = DEFINITIONS["bicla"]
    entries["BICLA"] = _entry(("BICLA", "BILAG-based Composite Lupus Assessment"), [
        BICLA.definition,
        f"From BILAG grades alone the package computes the BILAG part (`bicla`, written for "
        f"{bicla.index.label if bicla.index is not None else 'either version'}): "
        + bicla.rules[0],
    ])
    return entries
