"""benchmarks/bench_train.py runs end to end in its quick mode and prints its table."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bench_train_quick_mode_runs(tmp_path):
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_train.py"), "--quick",
                          "--no-torch"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    lines = run.stdout.splitlines()
    assert any(line.startswith("dataset") and "numpy s/epoch" in line for line in lines)
    row = next(line for line in lines if line.startswith("sample "))
    assert row.split()[1:3] == ["300", "200"] and "—" in row and "%" in row


def test_shifted_copies_are_real_shifts():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import numpy as np
        from bench_train import shifted_copies
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    images = np.zeros((2, 6, 6), np.float32)
    images[0, 2, 3] = 1
    images[1, 4, 1] = 2
    out, labels = shifted_copies(images, np.array([7, 8]), 40, reach=1)
    assert out.shape == (40, 6, 6) and labels.tolist() == [7, 8] * 20
    for k in range(40):  # one lit pixel, at most one step away from the original
        (r,), (c,) = np.nonzero(out[k])
        r0, c0 = (2, 3) if k % 2 == 0 else (4, 1)
        assert abs(r - r0) <= 1 and abs(c - c0) <= 1 and out[k, r, c] == (1 if k % 2 == 0 else 2)
