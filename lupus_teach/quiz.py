"""The lessons' "check your understanding" questions: one question bank.

Every self-check question of the lessons lives here, keyed by lesson and
question (``"04.q1"`` is lesson 4's first question), as frozen dataclasses: a
:class:`Question` has its text and its :class:`Option` s, each option with the
feedback a student gets for choosing it, and exactly one right option. A
lesson's notebook cell is one short call, ``self_check("04.q1")``, so neither
the right answer nor the explanations are in the notebook: in JupyterLab the
widget shows the question once, with radio buttons, and gives the feedback
only after an answer is chosen (the feedback is computed in the kernel; the
browser never receives it before). In the course book, where no kernel runs,
the book's display of the widget shows the same question from
:func:`export_question`. :func:`export_bank` gives the whole bank as JSON-able data, and
:func:`export_question` one question with each option's feedback sentence, as
the static book shows it.

Examples
--------
>>> q = QUESTIONS["02.q1"]
>>> q.key, q.lesson, len(q.options)
('02.q1', '02', 3)
>>> q.check("B")[0], q.check("C")[0]
(True, False)
>>> sorted(export_bank()["02.q1"])
['key', 'lesson', 'options', 'question']
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from lupus_teach.errors import LupusTeachError, UnknownNameError

__all__ = [
    "QUESTIONS",
    "Option",
    "Question",
    "export_bank",
    "export_json",
    "export_question",
    "get_question",
    "questions_for",
    "self_check",
]

_KEY = re.compile(r"^(\d\d)\.q(\d+)$")


@dataclass(frozen=True)
class Option:
    """One answer option and the feedback shown when a student chooses it.

    Examples
    --------
    >>> Option("B", "The worst grade wins.", correct=True).correct
    True
    """

    text: str
    explanation: str
    correct: bool = False


@dataclass(frozen=True)
class Question:
    """A multiple-choice question with exactly one right option.

    Attributes
    ----------
    key : str
        ``"NN.qK"``: lesson number (two digits) and question number.
    text : str
        The question, shown once.
    options : tuple of Option
        In the order shown.

    Raises
    ------
    LupusTeachError
        For a malformed key, fewer than two options, repeated option texts, or
        not exactly one right option.

    Examples
    --------
    >>> Question("99.q1", "Worst grade?", (Option("A", "Yes.", True), Option("E", "No.")))
    Question(key='99.q1', text='Worst grade?', ...)
    >>> Question("99.q1", "?", (Option("A", ""), Option("E", "")))
    Traceback (most recent call last):
    ...
    lupus_teach.errors.LupusTeachError: Question 99.q1 has 0 right options; it needs exactly one.
    """

    key: str
    text: str
    options: tuple[Option, ...]

    def __post_init__(self) -> None:
        if not _KEY.match(self.key):
            raise LupusTeachError(
                f"Question key {self.key!r} is not of the form 'NN.qK' (e.g. '04.q1')."
            )
        if len(self.options) < 2:
            raise LupusTeachError(f"Question {self.key} needs at least two options.")
        texts = [o.text for o in self.options]
        if len(set(texts)) != len(texts):
            raise LupusTeachError(f"Question {self.key} repeats an option.")
        right = sum(o.correct for o in self.options)
        if right != 1:
            raise LupusTeachError(
                f"Question {self.key} has {right} right options; it needs exactly one."
            )

    @property
    def lesson(self) -> str:
        """The lesson number, two digits (``"04"``)."""
        return self.key.split(".")[0]

    @property
    def option_texts(self) -> list[str]:
        return [o.text for o in self.options]

    @property
    def right(self) -> Option:
        """The right option."""
        return next(o for o in self.options if o.correct)

    def check(self, choice: str | None) -> tuple[bool, str]:
        """Whether ``choice`` is right, and the feedback sentence.

        Examples
        --------
        >>> QUESTIONS["02.q2"].check(None)
        (False, 'Choose an answer.')
        """
        if choice is None:
            return False, "Choose an answer."
        for option in self.options:
            if option.text == choice:
                lead = "Correct." if option.correct else "Not quite."
                return option.correct, f"{lead} {option.explanation}".strip()
        raise UnknownNameError("answer option", choice, self.option_texts)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able data: key, lesson, question, options (text, explanation, correct)."""
        return {
            "key": self.key,
            "lesson": self.lesson,
            "question": self.text,
            "options": [
                {"text": o.text, "explanation": o.explanation, "correct": o.correct}
                for o in self.options
            ],
        }


def RIGHT(text: str, explanation: str) -> Option:
    return Option(text, explanation, correct=True)


def WRONG(text: str, explanation: str) -> Option:
    return Option(text, explanation, correct=False)


def _question(key: str, text: str, *options: Option) -> Question:
    return Question(key, text, tuple(options))


# The bank. Keep the question text here only: a lesson shows it with self_check(key).
_BANK: tuple[Question, ...] = (
    _question(
        '01.q1',
        'What kind of study was this?',
        WRONG('A randomised controlled trial',
              'No: there was no randomisation and no comparison group.'),
        RIGHT('A single-arm study without a control group',
              'Right: every patient received the cells, so there is nothing to compare with.'),
        WRONG('A case-control study',
              'No: a case-control study compares people with and without an outcome.'),
    ),
    _question(
        '01.q2',
        "The cohort explorer shows patient P20's grades. Where do they come from?",
        WRONG("The trial's patient records",
              'No: the study published summaries, not patient records.'),
        RIGHT('A simulated cohort consistent with the published summaries',
              'Right: the cohort is simulated to match the published summaries.'),
        WRONG("The paper's Table 1",
              'No: Table 1 gives baseline data only, and only part of it could be retrieved.'),
    ),
    _question(
        '01.q3',
        "Why does 'refractory' matter when reading the results?",
        RIGHT('These patients had already failed standard drugs, so improvement is notable '
              'but also prone to selection effects',
              'Right: see lesson 8 on regression to the mean.'),
        WRONG('It means the disease was mild',
              'No: refractory disease is active despite treatment.'),
        WRONG('It means the patients were untreated before',
              'No: they had received steroids and immunosuppressants.'),
    ),
    _question(
        '02.q1',
        'A patient has B in the musculoskeletal system and C in three other systems. What is '
        "the visit's overall grade?",
        WRONG('A',
              'No system is graded A, so the overall grade cannot be A.'),
        RIGHT('B',
              'The overall grade is the most severe grade in any system.'),
        WRONG('C',
              'C is the most common grade here, but the overall grade is the worst one.'),
    ),
    _question(
        '02.q2',
        'Which grade describes a system that was affected in the past but is inactive now?',
        WRONG('C',
              'C is mild but still active disease.'),
        RIGHT('D',
              'D: previously affected, now inactive.'),
        WRONG('E',
              'E means the system has never been involved.'),
    ),
    _question(
        '02.q3',
        'Why can two papers report different BILAG global scores for the same visit?',
        RIGHT('They used different numeric schemes (different points per grade).',
              'Each scheme gives different points per grade: compare classic-9-3-1 and '
              'classic-12-5-1 in the table above.'),
        WRONG('The overall grade changes with the scheme.',
              'The overall grade is the worst letter; no scheme changes it.'),
        WRONG('BILAG-2004 and classic BILAG give the same score.',
              'They have different systems and different weights.'),
    ),
    _question(
        '03.q1',
        'Renal goes from A to B between two visits, and nothing else changes. What flare is '
        'this?',
        WRONG('A moderate flare (new B)',
              'A new B must come from C, D or E; A to B is less activity.'),
        RIGHT('No flare: an improvement',
              'Activity falls from 3 to 2, so the system improved.'),
        WRONG('A severe flare',
              'A severe flare needs a new A.'),
    ),
    _question(
        '03.q2',
        'Mucocutaneous goes from C to B and haematological from E to A at the same visit. '
        'Which category does the visit get?',
        WRONG('moderate',
              'The new B alone would be moderate, but there is also a new A.'),
        RIGHT('severe',
              'The visit takes the most severe category any system reached.'),
        WRONG('both are reported as two flares',
              'One visit gets one category; the rule lists the systems that fired it.'),
    ),
    _question(
        '03.q3',
        'Why must a flare definition say which visit it compares with?',
        RIGHT('Because the same grades can be a flare against one visit and an improvement '
              'against another.',
              'As in the example: B at month 6 is better than baseline A but worse than '
              'month-3 C.'),
        WRONG('Because grades D and E differ in activity.',
              'D and E both have activity 0.'),
        WRONG('It does not matter: both comparisons always agree.',
              'The example above shows they can disagree.'),
    ),
    _question(
        '04.q1',
        'At month 6 every system is C, D or E, but renal was a new A at month 3. Under the '
        "package's wang2014 rules, is this an MCR?",
        WRONG('Yes: month 6 is what counts',
              "The package reads 'no severe flares' as no new A at any visit up to month 6."),
        RIGHT('No: a new A at any visit from month 1 to 6 rules out MCR',
              'That is the stated reading of "no severe flares": a new A score at any visit.'),
    ),
    _question(
        '04.q2',
        "A patient's month-6 visit was missed. What does every definition here do with a "
        'visit it needs that is missing?',
        WRONG('Carries the month-3 grades forward',
              'No grades are invented.'),
        RIGHT('Counts the route as failed (usually NR)',
              'A missing visit is never good: non-responder imputation.'),
        WRONG('Skips the patient',
              'Every patient gets a category; the note column lists the missing visits.'),
    ),
    _question(
        '04.q3',
        'Why can BICLA call a patient a responder when wang2014 does not?',
        RIGHT('BICLA only compares month 12 with baseline',
              'Its schedule is months 0 and 12, so a flare in between is not seen.'),
        WRONG('BICLA uses a different BILAG grade scale',
              'It uses the same A-E grades.'),
        WRONG('BICLA ignores renal disease',
              'Every system counts in BICLA.'),
    ),
    _question(
        '05.q1',
        'Why is the exact (Clopper-Pearson) interval wider than the Wilson interval?',
        RIGHT('It guarantees at least 95% coverage, so it is conservative',
              'Right: it never covers less than 95%, so usually covers more, at the cost of '
              'width.'),
        WRONG('It uses more patients',
              'No: both use the same counts.'),
        WRONG('It is a mistake in the calculation',
              'No: both are correct; they make different trade-offs.'),
    ),
    _question(
        '05.q2',
        'The simulated cohort gives exactly the published response counts. What does that '
        'show?',
        WRONG('That the treatment works',
              'No: the cohort was simulated to match the summaries; it says nothing about the'
              ' treatment.'),
        RIGHT('That the classifier and the simulation agree with the published summaries',
              'Right: it is a check of the code and of the simulation.'),
        WRONG("That the paper's data are correct",
              "No: we cannot check the paper's records, which were not published."),
    ),
    _question(
        '05.q3',
        'What is the denominator of the published relapse percentages?',
        WRONG('All patients',
              'No: relapse is only possible after a response.'),
        RIGHT('The responders (MCR plus PCR)',
              'Right: the percentages match the number of responders.'),
        WRONG('The survivors',
              'No: the percentages do not fit the survivors.'),
    ),
    _question(
        '06.q1',
        'Lupus nephritis improves. Which way does serum albumin move?',
        RIGHT('Up',
              'Right: less protein is lost in the urine, so blood albumin recovers.'),
        WRONG('Down',
              'No: low albumin reflects protein loss; it recovers as the kidneys heal.'),
        WRONG('It does not change',
              'No: albumin follows the protein loss.'),
    ),
    _question(
        '06.q2',
        'Why use a paired test rather than comparing two group means?',
        RIGHT('The same patients are measured twice, so each is their own comparison',
              'Right: pairing removes the large differences between patients.'),
        WRONG('Because the groups are randomised',
              'No: there is only one group here.'),
        WRONG('Paired tests never need many patients',
              'No: small samples still give uncertain results.'),
    ),
    _question(
        '06.q3',
        'A p-value below 0.05 on the simulated proteinuria shows that...',
        WRONG('the cells reduce proteinuria',
              'No: the values are simulated, and there is no control group.'),
        RIGHT('the simulated values fall, which illustrates the method',
              'Right: it is an illustration on simulated data.'),
        WRONG("the study's own test was significant",
              "No: the study's p-values could not be read; the simulation cannot stand in."),
    ),
    _question(
        '07.q1',
        'Patient X had an MCR decided at month 6 and a new renal A at month 9. How is X '
        'counted?',
        WRONG('As a non-responder',
              'No: the study counts relapses among patients who had responded.'),
        RIGHT('As MCR, with a relapse at month 9',
              'Right: the response stands, and the relapse is reported beside it.'),
        WRONG('As PCR',
              'No: a relapse does not turn an MCR into a PCR.'),
    ),
    _question(
        '07.q2',
        "Why is a responder who did not relapse 'censored' in the time-to-relapse curve?",
        RIGHT('We know only that they had not relapsed by their last visit',
              'Right: they count as at risk until their last visit, and no longer.'),
        WRONG('They are left out of the analysis',
              'No: they contribute while followed.'),
        WRONG('They count as relapsed',
              'No: that would overstate relapse.'),
    ),
    _question(
        '07.q3',
        'Does this study show that re-treatment prevents relapse?',
        WRONG('Yes',
              "No: no patient was re-treated within the study's analysis."),
        RIGHT('No: re-treatment was suggested, not tested',
              'Right: a trial of re-treatment would be needed.'),
    ),
    _question(
        '08.q1',
        "In the simulation, no patient's true activity changed. Why did the selected "
        "patients' mean score fall?",
        RIGHT('Regression to the mean: they were selected on high, partly unlucky readings',
              'Right: the noise that pushed them over the threshold does not repeat.'),
        WRONG('The simulation includes a small treatment effect',
              'No: the simulation has no treatment effect at all.'),
        WRONG('Patients dropped out',
              'No: every selected patient is measured again.'),
    ),
    _question(
        '08.q2',
        'You expect 30% response with standard care and 60% with the cells. What happens to '
        'the patients needed per group if you ask for 90% rather than 80% power?',
        RIGHT('It rises',
              'Right: a higher chance of detecting the difference needs more patients.'),
        WRONG('It falls',
              'No: try it with the sliders.'),
        WRONG('It stays the same',
              'No: power and sample size are linked.'),
    ),
    _question(
        '08.q3',
        "Can the transplant figures and this study's figures tell us which treatment is "
        'better?',
        WRONG('Yes: compare the survival percentages',
              'No: the percentages are measured at different times in different patients.'),
        RIGHT('No: different patients, outcomes and follow-up, and no control groups',
              'Right: only a randomised comparison could.'),
    ),
    _question(
        '09.q1',
        'Your file has a visit where only five systems are graded. What happens when you read'
        ' it?',
        WRONG('The missing systems are filled with E',
              'Nothing is filled in silently: write E yourself for never involved.'),
        RIGHT('The error lists the visit and the missing systems',
              'Every visit needs every system; the message names what is missing.'),
        WRONG('The visit is dropped',
              'No row is ever dropped: the whole table is valid or an error is raised.'),
    ),
    _question(
        '09.q2',
        "A spreadsheet has grades written in lower case ('a', 'b'). Is that a problem?",
        RIGHT('No: lower-case grades are accepted',
              'Case and surrounding spaces are forgiven; other spellings are not.'),
        WRONG('Yes: the file is rejected',
              'Only letters outside A-E (such as F) are rejected.'),
    ),
    _question(
        '10.q1',
        'SLEDAI-2K falls from 22 to 6 and the PGA improves, but renal stays BILAG A. What do '
        'SRI-4 and BICLA say?',
        WRONG('Both responder',
              'No: BICLA needs every baseline A to improve to B or better.'),
        RIGHT('SRI-4 responder, BICLA non-responder',
              'Right: SRI-4 looks at the SLEDAI-2K fall and new BILAG scores; BICLA needs the '
              'renal A to improve.'),
        WRONG('Both non-responder',
              'No: SRI-4 is met (a fall of 16 points, no new A or B, PGA better).'),
    ),
    _question(
        '10.q2',
        'SLEDAI-2K falls from 12 to 8 and nothing else changes. Is this an SRI-4 response?',
        RIGHT('Yes: a fall of at least 4 points is enough',
              "Right: 'at least 4' includes exactly 4."),
        WRONG('No: the fall must be more than 4 points',
              'No: the rule says at least 4, so exactly 4 is enough.'),
    ),
    _question(
        '10.q3',
        'The PGA goes from 1.0 to 1.3 on its 0-3 scale. What do SRI-4 and BICLA say?',
        WRONG('Both allow it',
              'No: a worsening of 0.3 is the limit, and the limit itself fails.'),
        RIGHT('Both rule it out',
              "Right: both need the PGA to worsen by less than 0.3 (BICLA's 10% of the "
              '3-point scale).'),
        WRONG('Only BICLA rules it out',
              'No: SRI-4 uses the same 0.3 limit.'),
    ),
    _question(
        '10.q4',
        'Which single descriptor adds the most to a SLEDAI-2K total?',
        WRONG('Proteinuria', 'No: proteinuria adds 4 points.'),
        RIGHT('Seizure', 'Right: seizure is one of the 8-point descriptors.'),
        WRONG('Low complement', 'No: low complement adds 2 points.'),
    ),
)

#: Every question, by key (read-only).
QUESTIONS: Mapping[str, Question] = MappingProxyType({q.key: q for q in _BANK})
if len(QUESTIONS) != len(_BANK):  # pragma: no cover - caught by the tests
    raise LupusTeachError("Two questions in the bank share a key.")


def get_question(key: str) -> Question:
    """The question with this key.

    Raises
    ------
    UnknownNameError
        For a key not in the bank (the message lists the lesson's keys).

    Examples
    --------
    >>> get_question("04.q1").lesson
    '04'
    >>> get_question("04.q9")
    Traceback (most recent call last):
    ...
    lupus_teach.errors.UnknownNameError: ...
    """
    try:
        return QUESTIONS[key]
    except KeyError:
        lesson = str(key).split(".")[0]
        known = [k for k in QUESTIONS if k.startswith(lesson + ".")] or list(QUESTIONS)
        raise UnknownNameError("question in the question bank", key, known) from None


def questions_for(lesson: int | str) -> list[Question]:
    """A lesson's questions, in order.

    Examples
    --------
    >>> [q.key for q in questions_for(2)]
    ['02.q1', '02.q2', '02.q3']
    """
    prefix = f"{int(lesson):02d}."
    return [q for k, q in QUESTIONS.items() if k.startswith(prefix)]


def export_bank() -> dict[str, dict[str, Any]]:
    """The whole bank as JSON-able data, by key (see :meth:`Question.to_dict`).

    Examples
    --------
    >>> data = export_bank()
    >>> json.loads(json.dumps(data)) == data
    True
    """
    return {key: q.to_dict() for key, q in QUESTIONS.items()}


def export_json(indent: int | None = 1) -> str:
    """:func:`export_bank` as JSON text.

    Examples
    --------
    >>> json.loads(export_json())["01.q1"]["lesson"]
    '01'
    """
    return json.dumps(export_bank(), indent=indent, ensure_ascii=False)


def export_question(question: Question | str) -> dict[str, Any]:
    """One question as the static book shows it: options with their feedback sentences.

    The feedback is the sentence the widget gives for that option ("Correct. ..."
    or "Not quite. ..."), so the book and JupyterLab say the same.

    Examples
    --------
    >>> data = export_question("02.q1")
    >>> [o["correct"] for o in data["options"]], data["options"][1]["feedback"][:8]
    ([False, True, False], 'Correct.')
    """
    q = get_question(question) if isinstance(question, str) else question
    return {
        "key": q.key,
        "question": q.text,
        "options": [
            {"text": o.text, "correct": o.correct, "feedback": q.check(o.text)[1]}
            for o in q.options
        ],
    }


def self_check(key: str) -> Any:
    """Show question ``key`` of the bank: radio buttons, feedback after an answer.

    In the course book's build the widget is shown as its static version by
    :func:`lupus_teach.static_widgets.install_book_display`, from
    :func:`export_question`.

    Parameters
    ----------
    key : str
        ``"NN.qK"``, e.g. ``"04.q1"``.

    Returns
    -------
    lupus_teach.widgets.grades.SelfCheck
        With ``question`` (the :class:`Question`) and ``key`` attributes.

    Examples
    --------
    >>> check = self_check("02.q1")
    >>> check.feedback.value  # nothing revealed before an answer
    "<p role='status'>Choose an answer.</p>"
    >>> check.choice.value = "B"
    >>> check.correct
    True
    """
    question = get_question(key)
    from lupus_teach.widgets.grades import SelfCheck

    widget = SelfCheck(question.text, question.option_texts,
                       question.option_texts.index(question.right.text),
                       [o.explanation for o in question.options])
    widget.question = question
    widget.key = question.key
    return widget
