"""Teaching cases of the lessons, with their model answers.

The lessons tell each case as a story and ask the student to grade it; the
model answer lives here, so that no notebook cell spells it out before the
student has tried (the book folds the cells that show it).

Examples
--------
>>> from lupus_teach.bilag import overall_grade
>>> overall_grade(MODEL_GRADES["Ana"]).value
'A'
>>> sorted(MODEL_GRADES)
['Ana', 'Beth', 'Chen']
"""

from __future__ import annotations

from types import MappingProxyType

__all__ = ["MODEL_GRADES"]

#: Lesson 2's three patients: the model grade of every system their story mentions
#: (systems not mentioned have never been involved: E).
MODEL_GRADES = MappingProxyType({
    "Ana": MappingProxyType({"renal": "A", "mucocutaneous": "C"}),
    "Beth": MappingProxyType({"musculoskeletal": "B", "general": "C", "mucocutaneous": "D"}),
    "Chen": MappingProxyType({"haematological": "A", "general": "B", "cardiorespiratory": "D"}),
})
