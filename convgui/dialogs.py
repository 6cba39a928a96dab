"""Every dialog the app shows goes through one of these functions, so tests can patch them.

Tests replace them with ``monkeypatch.setattr(dialogs, "ask_open_path", lambda *a, **k: path)``.
"""

import os

from PyQt5.QtWidgets import QFileDialog, QInputDialog, QMessageBox

__all__ = ["ask_open_path", "ask_save_path", "ask_save_target", "ask_folder", "show_error", "show_info",
           "ask_yes_no", "ask_choice", "ask_text"]


def ask_open_path(parent, title, filters="All files (*)"):
    """Ask for an existing file; return its path, or ``None`` when cancelled."""
    path, _ = QFileDialog.getOpenFileName(parent, title, "", filters)
    return path or None


def ask_save_path(parent, title, filters="All files (*)", suggested=""):
    """Ask where to save; return the chosen path, or ``None`` when cancelled.

    It does not ask about replacing an existing file: :func:`ask_save_target` does, once.
    """
    path, _ = QFileDialog.getSaveFileName(parent, title, suggested, filters,
                                          options=QFileDialog.DontConfirmOverwrite)
    return path or None


def ask_save_target(parent, title, filters="All files (*)", suggested="", suffix=None):
    """Ask where to save, add ``suffix`` when the name lacks it, and ask once before replacing
    an existing file. Returns the path, or ``None`` when cancelled.

    ``suffix`` may be a tuple of accepted suffixes; the first one is added when none matches.
    """
    path = ask_save_path(parent, title, filters, suggested)
    if not path:
        return None
    accepted = (suffix,) if isinstance(suffix, str) else tuple(suffix or ())
    if accepted and not path.lower().endswith(tuple(s.lower() for s in accepted)):
        path += accepted[0]
    if os.path.exists(path) and not ask_yes_no(parent, "Replace the file?",
                                               f"{path} already exists. Replace it?"):
        return None
    return path


def ask_folder(parent, title):
    """Ask for a folder; return its path, or ``None`` when cancelled."""
    path = QFileDialog.getExistingDirectory(parent, title)
    return path or None


def show_error(parent, title, message):
    """Tell the user something went wrong (and that nothing was lost)."""
    QMessageBox.warning(parent, title, message)


def show_info(parent, title, message):
    """Show a short informational message."""
    QMessageBox.information(parent, title, message)


def ask_yes_no(parent, title, question):
    """Ask a yes/no question; return True for yes."""
    answer = QMessageBox.question(parent, title, question, QMessageBox.Yes | QMessageBox.No,
                                  QMessageBox.No)
    return answer == QMessageBox.Yes


def ask_choice(parent, title, label, choices):
    """Let the user pick one of ``choices`` (strings); return it, or ``None`` when cancelled."""
    choice, ok = QInputDialog.getItem(parent, title, label, list(choices), 0, False)
    return choice if ok else None


def ask_text(parent, title, label, default=""):
    """Ask for one line of text; return it stripped, or ``None`` when cancelled or empty."""
    text, ok = QInputDialog.getText(parent, title, label, text=default)
    text = text.strip() if ok else ""
    return text or None
