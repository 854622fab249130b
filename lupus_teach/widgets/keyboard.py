"""Keyboard-safe widget containers: keys typed in a lesson widget stay in the widget.

In JupyterLab a notebook in command mode turns single keys into commands:
arrow keys move the cell selection, ``a``/``b`` insert cells, ``m``/``r``
change the cell's type, ``d d`` deletes it. A focused drop-down or radio group
inside a cell's output would hand those keys to the notebook instead of
choosing a value.

Lumino 2 (JupyterLab 4) honours an attribute ``data-lm-suppress-shortcuts``,
but only between the key's target and the element a shortcut's selector
matches; the notebook's command-mode selectors match the focused control
itself, so the attribute on a container does not help (checked in JupyterLab
4.6 with Chromium). What works is what the browser offers: JupyterLab reads
keys when they bubble up to the document, so a ``keydown`` listener on the
widget's outer element that stops the event's propagation keeps the key for
the control. The browser's own handling (Tab, arrow keys, Space, Enter, typed
letters) is untouched; Escape, Shift+Enter and keys with Ctrl, Alt or Cmd still
reach JupyterLab (leave the widget, run the cell, save).

:class:`KeyboardSafeBox` is the one place that does it: a ``VBox`` with the
CSS class ``lupus-widget`` and, as its first child, a hidden
:class:`KeyboardGuard` view (a tiny :mod:`anywidget`) that adds the listener
to the box's element once it is on the page, and a visible focus outline to
every control in it. Every widget of :mod:`lupus_teach.widgets` is built on
it.

Examples
--------
>>> import ipywidgets as widgets
>>> box = KeyboardSafeBox([widgets.Dropdown(options=["A", "B"])])
>>> isinstance(box.children[0], KeyboardGuard), len(box.controls_shown())
(True, 1)
>>> "lupus-widget" in box._dom_classes
True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ipywidgets as widgets
import traitlets

__all__ = ["KEYBOARD_HELP", "WIDGET_CLASS", "KeyboardGuard", "KeyboardSafeBox"]

#: CSS class of every lesson widget's outer box.
WIDGET_CLASS = "lupus-widget"

#: The one-line instruction the lessons give (also shown by no widget itself).
KEYBOARD_HELP = (
    "Keyboard: Tab moves between controls, the arrow keys (or a typed letter) change a "
    "drop-down, radio button or slider, and Space or Enter opens a drop-down; keys typed "
    "in a widget never edit the notebook."
)

_GUARD_ESM = """
// Keys a notebook would take as commands, but that a control needs.
function staysInWidget(event) {
  if (event.ctrlKey || event.metaKey || event.altKey) { return false; }  // Ctrl+S etc.
  if (event.key === "Escape") { return false; }                        // leave the widget
  if (event.key === "Enter" && event.shiftKey) { return false; }       // run the cell
  return true;
}

function render({ el }) {
  let tries = 0;
  const arm = () => {
    const root = el.closest(".WIDGET_CLASS");
    if (root) {
      if (root.dataset.lupusKeyboard !== "safe") {
        root.dataset.lupusKeyboard = "safe";
        root.setAttribute("data-lm-suppress-shortcuts", "true");
        root.addEventListener("keydown", (event) => {
          if (staysInWidget(event)) { event.stopPropagation(); }
        });
      }
      return;
    }
    if (tries++ < 600) { requestAnimationFrame(arm); }
  };
  arm();
}
export default { render };
""".replace("WIDGET_CLASS", WIDGET_CLASS)

_GUARD_CSS = f"""
.{WIDGET_CLASS} select:focus-visible,
.{WIDGET_CLASS} input:focus-visible,
.{WIDGET_CLASS} button:focus-visible,
.{WIDGET_CLASS} [tabindex]:focus-visible,
.{WIDGET_CLASS} .noUi-handle:focus {{
  outline: 3px solid #0b5cad !important;
  outline-offset: 2px;
}}
.{WIDGET_CLASS} .widget-radio-box label:focus-within {{
  outline: 2px solid #0b5cad;
  outline-offset: 1px;
}}
"""

try:
    import anywidget

    class KeyboardGuard(anywidget.AnyWidget):
        """Hidden view that makes its enclosing :class:`KeyboardSafeBox` keyboard-safe."""

        _esm = _GUARD_ESM
        _css = _GUARD_CSS

except ImportError:  # pragma: no cover - anywidget is a dependency

    class KeyboardGuard(widgets.HTML):  # type: ignore[no-redef]
        """Without anywidget: only the focus outline (JupyterLab shortcuts stay on)."""

        def __init__(self, **kwargs: Any) -> None:
            super().__init__(value=f"<style>{_GUARD_CSS}</style>", **kwargs)


_guard: KeyboardGuard | None = None


def _shared_guard() -> KeyboardGuard:
    """One guard model per kernel session; each box shows its own view of it."""
    global _guard
    if _guard is None or getattr(_guard, "comm", True) is None:
        _guard = KeyboardGuard(layout=widgets.Layout(display="none"))
    return _guard


class KeyboardSafeBox(widgets.VBox):
    """A ``VBox`` whose keys never reach JupyterLab's notebook shortcuts.

    Set ``children`` as for any box; the hidden guard is kept first.
    """

    def __init__(self, children: Sequence[widgets.Widget] = (), **kwargs: Any) -> None:
        super().__init__(children=tuple(children), **kwargs)
        self.add_class(WIDGET_CLASS)

    @traitlets.validate("children")
    def _keep_guard_first(self, proposal: dict[str, Any]) -> tuple[widgets.Widget, ...]:
        rest = tuple(c for c in proposal["value"] if not isinstance(c, KeyboardGuard))
        return (_shared_guard(), *rest)

    def controls_shown(self) -> list[widgets.Widget]:
        """The children shown, without the hidden guard."""
        return [c for c in self.children if not isinstance(c, KeyboardGuard)]
