"""Test setup shared by every test: offscreen Qt, settings in a temporary folder."""

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PyQt5")

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh_settings(tmp_path_factory, monkeypatch):
    """Point QSettings and the user's config folder at a temp dir so tests never touch real files."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("HOME", str(home))
    if "PyQt5.QtCore" in sys.modules:
        from PyQt5.QtCore import QSettings, QStandardPaths

        QStandardPaths.setTestModeEnabled(True)
        QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, str(home / "settings"))
        QSettings.setDefaultFormat(QSettings.IniFormat)
    yield
