"""ipywidgets components for the lessons.

Each component is a function returning a ready widget whose callbacks call the
package's pure functions; none holds a clinical rule of its own. Widgets are
keyboard-usable (standard ipywidgets controls with descriptions) and can be
driven in tests by setting ``.value`` and reading the displayed state.

* :mod:`lupus_teach.widgets.grades`: the BILAG form, the visit comparer and
  the response timeline;
* :mod:`lupus_teach.widgets.cohort`: the cohort explorer and the trial-design
  what-if;
* :mod:`lupus_teach.widgets.composite`: SRI-4 and BICLA side by side for one
  patient;
* :mod:`lupus_teach.widgets.keyboard`: the container that keeps keys typed in
  a widget from reaching JupyterLab's notebook shortcuts.
"""

from lupus_teach.widgets.cohort import *  # noqa: F403
from lupus_teach.widgets.cohort import __all__ as _cohort_all
from lupus_teach.widgets.composite import *  # noqa: F403
from lupus_teach.widgets.composite import __all__ as _composite_all
from lupus_teach.widgets.grades import *  # noqa: F403
from lupus_teach.widgets.grades import __all__ as _grades_all

__all__ = [*_grades_all, *_cohort_all, *_composite_all]
