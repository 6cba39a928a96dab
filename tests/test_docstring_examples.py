"""Every example in the public docstrings runs and prints what it says."""

import doctest
import importlib

import pytest

MODULES = [
    "core._checks", "core.atomic", "core.geometry", "core.engine", "core.seed", "core.pipeline",
    "core.explain", "core.kernels", "core.datasets", "core.batch", "core.sheets", "core.codegen",
    "core.conv1d", "core.padding", "core.transpose", "convgui.display",
    "convgui.operation_panel", "convgui.inspector",
    "convgui.compare_tab", "convgui.state",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
