"""The explorer window's actions and menu bar: File, Edit, View, Train, Help.

:func:`install_window_actions` builds every action of the window (each with its shortcut,
status tip and tooltip, kept as ``window.<name>_action``) and places them in the menus; the
Export submenu comes from the window's :class:`~convgui.export_actions.ExportActions`, the
Process, Check and Train entries from their own modules. F1's list of keys is read from these
actions (:func:`convgui.help_text.shortcut_rows`), so a key added here is listed there.
"""

from functools import partial

from PyQt5.QtCore import Qt
from PyQt5.QtGui import QKeySequence

from core.datasets import load_samples

from .batch_dialog import batch_action
from .homework_panel import homework_action
from .training_panel import install_train_menu
from .widgets import window_action

__all__ = ["install_window_actions"]

#: The View menu's panel toggles: (shortcut, dock attribute of the window, text).
PANEL_TOGGLES = (("Ctrl+1", "left_dock", "&Data && operation"),
                 ("Ctrl+2", "right_dock", "&Kernel && display"),
                 ("Ctrl+3", "inspector_dock", "&Inspector"))


def install_window_actions(window):
    """Build ``window``'s actions and its menu bar (call once, after its views exist)."""
    _build_actions(window)
    _build_menus(window)


def _build_actions(window):
    a = partial(window_action, window)
    window.open_action = a("&Open…", window.open_file_dialog, QKeySequence.Open,
                           "Open a dataset (.npz, .npy, MNIST IDX, CIFAR batch) or an image")
    window.open_folder_action = a("Open &folder of images…", window.open_folder_dialog, None,
                                  "Open every image of a folder as one dataset")
    window.grayscale_action = a("Open colour images as &grayscale", lambda on: None, None,
                                "Convert colour images and datasets to one gray channel "
                                "when opening them")
    window.grayscale_action.setCheckable(True)
    window.quit_action = a("&Quit", window.close, QKeySequence.Quit)
    window.undo_action = a("&Undo", window.history.undo, QKeySequence.Undo,
                           "Undo the last kernel or setting change")
    window.redo_action = a("&Redo", window.history.redo, "Ctrl+Shift+Z",
                           "Redo the change just undone")
    window.undo_action.setEnabled(False)
    window.redo_action.setEnabled(False)
    window.history.availabilityChanged.connect(
        lambda can_undo, can_redo: (window.undo_action.setEnabled(can_undo),
                                    window.redo_action.setEnabled(can_redo)))
    window.prev_action = a("&Previous image / step", lambda: window.step(-1), Qt.Key_Left,
                           "Previous image, or one step back in step-through")
    window.next_action = a("&Next image / step", lambda: window.step(1), Qt.Key_Right,
                           "Next image, or one step forward in step-through")
    window.play_action = a("&Play / pause step-through", window.stepper.toggle_play,
                           Qt.Key_Space, "Slide the kernel across the input")
    window.random_action = a("&Random image", window.data_panel.random_image, "Ctrl+R",
                             "Jump to a random image")
    window.copy_code_action = a("Copy as &code", window.copy_as_code, "Ctrl+Shift+C",
                                "Put Python code that reproduces this output on the clipboard")
    window.reset_zoom_action = a("Reset &zoom", window.reset_zoom, "Ctrl+0",
                                 "Show every map whole again, at one scale (or double-click "
                                 "a map)")
    window.presentation_action = a("&Presentation mode", window.toggle_presentation,
                                   Qt.Key_F11, "Full screen, large fonts, side panels hidden "
                                   "(F11)")
    window.presentation_action.setCheckable(True)
    window.unpin_action = a("Clear or unpin the inspected pixel", window.inspector.clear,
                            Qt.Key_Escape)
    window.help_action = a("&Concepts and keys", window.show_help, QKeySequence.HelpContents,
                           "What kernels, padding, stride, channels and pooling are")


def _build_menus(window):
    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    for action in (window.open_action, window.open_folder_action, window.grayscale_action):
        file_menu.addAction(action)
    samples_menu = file_menu.addMenu("&Samples")
    for sample in load_samples():
        action = samples_menu.addAction(sample.name)
        action.setStatusTip(sample.description)
        action.triggered.connect(lambda _=False, n=sample.name: window.open_sample(n))
    window.batch_action = batch_action(window)
    file_menu.addAction(window.batch_action)
    file_menu.addAction(homework_action(window))
    window.exports.fill_menu(file_menu.addMenu("&Export"))
    file_menu.addSeparator()
    file_menu.addAction(window.quit_action)
    edit_menu = bar.addMenu("&Edit")
    edit_menu.addAction(window.undo_action)
    edit_menu.addAction(window.redo_action)
    edit_menu.addSeparator()
    edit_menu.addAction(window.copy_code_action)
    view_menu = bar.addMenu("&View")
    for action in (window.prev_action, window.next_action, window.random_action,
                   window.play_action):
        view_menu.addAction(action)
    view_menu.addSeparator()
    view_menu.addAction(window.reset_zoom_action)
    view_menu.addAction(window.presentation_action)
    window.panel_actions = [_panel_toggle(window, key, getattr(window, dock), text)
                            for key, dock, text in PANEL_TOGGLES]
    for toggle in window.panel_actions:
        view_menu.addAction(toggle)
    install_train_menu(window)
    bar.addMenu("&Help").addAction(window.help_action)


def _panel_toggle(window, key, dock, text):
    """The window's own checkable action showing ``dock`` (a dock's toggle action is disabled
    while the dock is hidden, so its shortcut could never bring it back)."""
    name = text.replace("&&", "&").strip("&")
    toggle = window_action(window, text, dock.setVisible, key,
                           f"Show or hide the {name} panel ({key})")
    toggle.setCheckable(True)
    toggle.setChecked(True)
    dock.visibilityChanged.connect(lambda _=None: toggle.setChecked(not dock.isHidden()))
    return toggle
