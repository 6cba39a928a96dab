"""The exit codes every sub-command shares (convgui.cli_common.run_command)."""

import argparse
import errno
import os
import signal

import pytest

from convgui import animate_command, cli, cli_check, train_cli
from convgui.cli_common import UsageError, run_command
from core.atomic import PartialWriteError


def _raiser(exc):
    def work():
        raise exc
    return work


@pytest.mark.parametrize("exc, code, message", [
    (UsageError("argument --x: bad"), 2, "main.py t: error: argument --x: bad\n"),
    (ValueError("images hold NaN"), 2, "main.py t: error: images hold NaN; nothing was written\n"),
    (KeyboardInterrupt(), 130, "main.py t: interrupted; nothing was written\n"),
    (OSError(errno.ENOSPC, "disk full"), 1, "main.py t: error: [Errno 28] disk full; nothing was written\n"),
    (MemoryError("no room"), 1, "main.py t: error: no room; nothing was written\n"),
    (PartialWriteError(errno.ENOSPC, "could not write b.png; a.png was written"), 1,
     "main.py t: error: could not write b.png; a.png was written\n"),
])
def test_each_failure_has_its_exit_code_and_one_line(capsys, exc, code, message):
    assert run_command("main.py t", _raiser(exc)) == code
    assert capsys.readouterr().err == message


def test_a_command_that_writes_nothing_does_not_say_so(capsys):
    assert run_command("main.py t", _raiser(KeyboardInterrupt()), writes=False) == 130
    assert capsys.readouterr().err == "main.py t: interrupted\n"


def test_the_work_s_own_code_is_returned_and_none_is_zero():
    assert run_command("main.py t", lambda: 1) == 1
    assert run_command("main.py t", lambda: None) == 0


@pytest.mark.skipif(not hasattr(signal, "SIGTERM") or os.name == "nt", reason="POSIX signals")
def test_sigterm_unwinds_to_143_and_restores_the_handler(capsys):
    before = signal.getsignal(signal.SIGTERM)

    def work():
        os.kill(os.getpid(), signal.SIGTERM)
        raise AssertionError("the signal should have unwound the work")

    assert run_command("main.py t", work) == 128 + signal.SIGTERM
    assert "stopped by SIGTERM; nothing was written" in capsys.readouterr().err
    assert signal.getsignal(signal.SIGTERM) is before


@pytest.mark.parametrize("module", [cli, train_cli, cli_check, animate_command])
def test_every_command_reports_through_the_one_mapping(monkeypatch, module):
    seen = []
    monkeypatch.setattr(module, "run_command", lambda prog, work, **kw: seen.append(prog) or 7)
    assert module.run(object()) == 7
    assert seen == [module.PROG]


@pytest.mark.parametrize("argv, message", [
    (["check", "folder", "--task", "7"], "task must be a whole number from 0 to 6, got '7'"),
    (["check", "folder", "--timeout", "0"], "timeout must be a number above 0, got '0'"),
    (["train", "--input", "x.npz", "--output", "m.npz", "--valid-fraction", "1"],
     "valid fraction must be a number above 0 and below 1, got '1'"),
    (["train", "--input", "x.npz", "--output", "m.npz", "--epochs", "0"],
     "epochs must be a whole number at least 1, got '0'"),
    (["train", "--input", "x.npz", "--output", "m.npz", "--lr", "inf"],
     "learning rate must be a number above 0, got 'inf'"),
    (["animate", "--input", "x.npz", "--kernel", "edge", "--output", "a.gif", "--hold", "61"],
     "hold must be a number from 0 to 60, got '61'"),
])
def test_number_options_name_themselves_and_their_range(capsys, argv, message):
    from convgui.app import build_parser

    with pytest.raises(SystemExit) as stop:
        build_parser().parse_args(argv)
    assert stop.value.code == 2
    assert message in capsys.readouterr().err


def test_number_options_accept_their_bounds():
    from convgui.cli_common import number_option

    assert number_option("n", int, minimum=0, maximum=6)("6") == 6
    assert number_option("hold", minimum=0, maximum=60)("0") == 0.0
    with pytest.raises(argparse.ArgumentTypeError, match="above 0 and below 1"):
        number_option("f", above=0, below=1)("1.0")
