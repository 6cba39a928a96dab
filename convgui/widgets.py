"""Small widget builders shared by the panels: a combo box of keyed choices, a tool button,
a window's action."""

from PyQt5.QtCore import Qt
from PyQt5.QtGui import QKeySequence
from PyQt5.QtWidgets import QAction, QComboBox, QSpinBox, QToolButton

__all__ = ["choice_combo", "tool_button", "icon_button", "spin_box", "window_action"]


def choice_combo(choices, tip):
    """A QComboBox listing ``(key, label)`` pairs (or a ``{key: label}`` dict); the key is each
    item's data, so ``combo.currentData()`` gives it back."""
    items = choices.items() if isinstance(choices, dict) else choices
    box = QComboBox()
    for key, label in items:
        box.addItem(label, key)
    box.setToolTip(tip)
    return box


def tool_button(text, tip, slot):
    """A small button with ``text`` and a tooltip, calling ``slot`` when clicked."""
    button = QToolButton()
    button.setText(text)
    button.setToolTip(tip)
    button.clicked.connect(slot)
    return button


def icon_button(standard_icon, text, tip, slot):
    """A small button showing the style's ``standard_icon`` (a ``QStyle.SP_…`` value), with
    ``text`` as its accessible name, a tooltip, calling ``slot`` when clicked."""
    button = tool_button(text, tip, slot)
    button.setIcon(button.style().standardIcon(standard_icon))
    button.setToolButtonStyle(Qt.ToolButtonIconOnly)
    button.setAccessibleName(text)
    return button


def spin_box(low, high, tip="", *, value=None, prefix="", suffix="", special=""):
    """An integer spin box from ``low`` to ``high`` with a tooltip, starting at ``value`` (else
    ``low``); ``prefix``/``suffix`` frame the number, ``special`` is written instead of ``low``.

    Examples
    --------
    >>> from PyQt5.QtWidgets import QApplication
    >>> app = QApplication.instance() or QApplication([])
    >>> box = spin_box(320, 7680, "Width", value=1280, suffix=" px")
    >>> box.value(), box.text(), box.toolTip()
    (1280, '1280 px', 'Width')
    """
    box = QSpinBox()
    box.setRange(low, high)
    if value is not None:
        box.setValue(value)
    box.setPrefix(prefix)
    box.setSuffix(suffix)
    box.setSpecialValueText(special)
    if tip:
        box.setToolTip(tip)
    return box


def window_action(window, text, slot, shortcut=None, tip=None):
    """A QAction of ``window`` (its shortcut works wherever the focus is in the window) calling
    ``slot`` when triggered; ``tip`` is its status tip and tooltip.

    Examples
    --------
    >>> from PyQt5.QtWidgets import QApplication, QWidget
    >>> app = QApplication.instance() or QApplication([])
    >>> window = QWidget()
    >>> action = window_action(window, "&Hello", lambda: None, "Ctrl+H", "Say hello")
    >>> action.shortcut().toString(), action.toolTip(), action in window.actions()
    ('Ctrl+H', 'Say hello', True)
    """
    action = QAction(text, window)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    if tip:
        action.setStatusTip(tip)
        action.setToolTip(tip)
    action.triggered.connect(slot)
    window.addAction(action)
    return action
