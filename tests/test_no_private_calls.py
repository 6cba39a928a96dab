"""No module reaches into another's private names (``obj._name`` or ``from m import _name``).

A private name may be used only in the module that defines it; what another module needs is
given a public name (and a docstring) where it lives.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = (sorted((ROOT / "core").rglob("*.py")) + sorted((ROOT / "convgui").glob("*.py"))
           + sorted((ROOT / "scripts").glob("*.py")) + sorted((ROOT / "benchmarks").glob("*.py"))
           + [ROOT / "main.py"])


def _private(name):
    return name.startswith("_") and not name.startswith("__")


def private_uses(text):
    """``[(line, text)]`` of private names ``text`` uses but does not define itself."""
    tree = ast.parse(text)
    defined = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            defined.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            defined.add(node.attr)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            found += [(node.lineno, f"from {node.module} import {a.name}")
                      for a in node.names if _private(a.name)]
        elif (isinstance(node, ast.Attribute) and _private(node.attr)
              and node.attr not in defined):
            found.append((node.lineno, ast.unparse(node)))
    return found


def test_no_module_uses_another_s_private_names():
    found = [f"{path.relative_to(ROOT)}:{line}: {what}"
             for path in SOURCES for line, what in private_uses(path.read_text(encoding="utf-8"))]
    assert found == []


def test_the_check_sees_a_reach_into_another_module():
    text = ("from core.engine import _tap_loop\n"
            "class A:\n    def __init__(self):\n        self._mine = 1\n"
            "def f(window, a):\n    return window.computation._runner, a._mine\n")
    assert [line for line, _ in private_uses(text)] == [1, 6]
