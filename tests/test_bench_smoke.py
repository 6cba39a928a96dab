"""Smoke test: the core benchmark runs end to end on small sizes and prints its table."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bench_core_quick_runs_and_prints_the_table():
    env = dict(os.environ, BENCH_NO_TORCH="1")
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_core.py"), "--quick", "--no-torch",
         "--repeat", "1"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    header = [line for line in lines if line.startswith("workload") and "median s" in line]
    assert header, result.stdout
    for workload in ("W1", "W5", "W7", "W9", "W10", "W11"):
        rows = [line for line in lines if line.startswith(workload + " ")]
        methods = {row.split()[1] for row in rows}
        assert {"seed", "engine32", "two-loop"} <= methods, (workload, rows)
    assert "peak memory" in result.stdout


def test_bench_grid_quick_checks_every_case_and_prints_the_summary():
    env = dict(os.environ, BENCH_NO_TORCH="1")
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_grid.py"), "--quick", "--no-scipy"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "checked against float64" in out and "load" in out and "thread" in out
    rows = [line for line in out.splitlines() if line.startswith(("digits", "cifar", "photo"))]
    families = {row.split()[0] for row in rows}
    assert families == {"digits", "cifar", "photo"}, out
    assert any(" max " in row for row in rows) and any(" avg " in row for row in rows)
    # Without torch the ratio column is a dash, never a made-up number.
    for row in rows:
        engine, torch, scipy, vs_torch, memory = row[45:].split()[:5]
        assert float(engine) > 0 and torch == scipy == vs_torch == "-", row
        assert memory.endswith("x") and float(memory[:-1]) > 0, row
