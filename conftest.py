"""Test setup for everything pytest collects (tests and the docstring examples in the
packages): offscreen Qt and the project importable from the checkout."""

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PyQt5")

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _qapp_for_docstring_examples(request):
    """Docstring examples that build widgets get the one QApplication pytest-qt provides."""
    if type(request.node).__name__ == "DoctestItem" and request.node.name.startswith("convgui"):
        request.getfixturevalue("qapp")
