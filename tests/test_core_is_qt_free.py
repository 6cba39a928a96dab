"""The numeric core must never import Qt, pyqtgraph or the GUI package."""

import ast
import subprocess
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parent.parent / "core"
FORBIDDEN = ("PyQt5", "PyQt6", "PySide2", "PySide6", "pyqtgraph", "convgui", "qtpy")


def test_no_gui_import_in_core_sources():
    offenders = []
    for path in CORE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in FORBIDDEN]
    assert offenders == []


def test_importing_core_loads_no_qt():
    code = (
        "import sys, core, core.geometry, core.engine\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in %r]\n"
        "assert not bad, bad\n" % (FORBIDDEN,)
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=CORE.parent)
