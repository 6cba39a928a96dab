"""Every user-facing choice comes from core.choices: no module keeps its own list of them."""

import argparse
import ast
from pathlib import Path

import numpy as np
import pytest

from core.choices import (ACTIVATION_CHOICES, ACTIVATIONS, OPTIMIZER_CHOICES, PADDING_WORDS,
                          POOL_CHOICES, POOLINGS, keys)

ROOT = Path(__file__).resolve().parent.parent
CHOICE_WORDS = {"none", "relu", "abs", "valid", "same", "full", "custom", "off", "max", "avg",
                "adam", "sgd", "R", "G", "B", "A", "red", "green", "blue", "alpha", "gray",
                "viridis", "diverging", "minmax", "clip", "symmetric", "zeros", "reflect",
                "replicate", "circular"}
#: Where a literal list of these words is the definition, or not the same choice.
ORIGINS = {
    "core/choices.py": "the table itself",
    "core/geometry.py": "PADDING_WORDS, the words the geometry resolves (read by the table)",
    "core/pooling.py": "POOL_MODES, the modes pool2d computes (read by the table)",
    "core/padding.py": "PADDING_MODES, the border fills it computes, with their NumPy names",
    "convgui/display.py": "which pyqtgraph colour map draws each colormap of the table",
    "core/nn/optim.py": "default learning rates, keyed by the table's optimisers",
    "core/codegen.py": "the assignment has functions for 'valid' and 'same' only",
    "convgui/operation_panel.py": "'same' and 'full' are greyed out for a transposed convolution",
}


def _literal_lists(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            items = node.elts
        elif isinstance(node, ast.Dict):
            items = [k for k in node.keys if k is not None]
        else:
            continue
        words = [e.value for e in items if isinstance(e, ast.Constant) and isinstance(e.value, str)]
        if len(words) >= 2 and len(words) == len(items) and set(words) <= CHOICE_WORDS:
            yield node.lineno, words


def test_no_module_lists_the_choices_itself():
    found = []
    for path in sorted(list((ROOT / "core").rglob("*.py")) + list((ROOT / "convgui").glob("*.py"))):
        name = path.relative_to(ROOT).as_posix()
        if name in ORIGINS:
            continue
        found += [f"{name}:{line}: {words}" for line, words in _literal_lists(path)]
    assert found == []


def test_the_guard_would_see_a_list_of_choices(tmp_path):
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text('MODES = ("max", "avg")\nTIPS = {"relu": "a", "abs": "b"}\n')
    assert [line for line, _ in _literal_lists(sneaky)] == [1, 2]


def test_the_core_s_own_sets_agree_with_the_table():
    from core import POOL_MODES
    from core.nn import OPTIMIZERS
    from core.pipeline import PipelineSpec

    assert POOLINGS == ("off",) + POOL_MODES
    assert tuple(OPTIMIZERS) == keys(OPTIMIZER_CHOICES)
    for key in POOLINGS:
        PipelineSpec(np.ones((3, 3, 1, 1)), pool_mode=key)
    with pytest.raises(ValueError, match="pool_mode must be one of"):
        PipelineSpec(np.ones((3, 3, 1, 1)), pool_mode="median")


def test_the_command_lines_offer_exactly_the_table():
    from convgui.app import build_parser

    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    apply_options = {a.dest: a for a in commands.choices["apply"]._actions}
    train_options = {a.dest: a for a in commands.choices["train"]._actions}
    assert tuple(apply_options["activation"].choices) == keys(ACTIVATION_CHOICES)
    assert tuple(train_options["optimizer"].choices) == keys(OPTIMIZER_CHOICES)
    for word in PADDING_WORDS:
        assert word in apply_options["padding"].metavar
    args = parser.parse_args(["apply", "--input", "x.npz", "--kernel", "edge", "--output", "o.npz",
                              "--padding", "full", "--pool", "avg:3x3"])
    assert args.padding == "full" and args.pool == ("avg", (3, 3), (3, 3))


@pytest.mark.parametrize("option, text, words", [
    ("--padding", "middle", PADDING_WORDS),
    ("--pool", "median:2x2", POOLINGS[1:]),
])
def test_a_wrong_word_is_refused_naming_the_table_s_words(capsys, option, text, words):
    from convgui.app import build_parser

    with pytest.raises(SystemExit) as stop:
        build_parser().parse_args(["apply", "--input", "x.npz", "--kernel", "edge", "--output",
                                   "o.npz", option, text])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert all(word in err for word in words), err


def test_the_batch_summary_and_the_training_panel_use_the_labels(window, qtbot):
    from convgui.batch_text import describe_spec
    from core.pipeline import PipelineSpec

    text = describe_spec(PipelineSpec(np.ones((3, 3, 1, 1)), activation="abs", pool_mode="avg",
                                  pool_shape=(2, 2), pool_stride=(2, 2)))
    assert "|x|" in text and "average pooling (2, 2) stride (2, 2)" in text
    window.train_action.trigger()
    combo = window.training_panel.optimizer
    assert [(combo.itemData(i), combo.itemText(i)) for i in range(combo.count())] == \
        list(OPTIMIZER_CHOICES)
    assert ACTIVATIONS == keys(ACTIVATION_CHOICES) and POOLINGS == keys(POOL_CHOICES)
