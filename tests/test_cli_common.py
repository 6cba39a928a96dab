"""The exit codes every sub-command shares (convgui.cli_common.run_command)."""

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
