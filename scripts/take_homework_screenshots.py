#!/usr/bin/env python3
"""Take the README's pictures of File ▸ Check my solution… on a sample student folder.

Run under a virtual display: ``xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python
scripts/take_homework_screenshots.py``. The student folder is written from the tests' files
(correct two-loop solutions, some with a known convention or bug); the pictures go to
``resources/screenshots/homework_results.png`` and ``homework_difference.png``.
"""

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "tests", ROOT / "scripts"):
    sys.path.insert(0, str(path))

import numpy as np  # noqa: E402
from take_screenshots import OUT, isolated_app, pump  # noqa: E402


def main():
    app = isolated_app()
    from convgui.homework_panel import HomeworkDialog
    from convgui.main_window import MainWindow
    from homework_files import write_folder

    OUT.mkdir(parents=True, exist_ok=True)
    folder = write_folder(Path(tempfile.mkdtemp()) / "0x04-convolutions_and_pooling",
                          ["same_top_left", "keep_size", "uint8_overflow", "crash",
                           "partial_window", "wrong_size"])
    window = MainWindow(restore=False)
    window.resize(1400, 900)
    window.show()
    dialog = HomeworkDialog(window)
    window.homework_dialog = dialog
    dialog.resize(1300, 900)
    dialog.show()
    dialog.start(folder)
    while dialog.is_running():
        pump(app, 0.1)
    pump(app)
    rows = dialog.case_rows()

    def select(task, label):
        row = next(r for r, c in rows if c.case.task == task and c.case.label == label)
        dialog.table.selectRow(row)
        pump(app)
        return dialog.selected_case

    select(0, "uint8 input")
    dialog.table.scrollToTop()
    pump(app)
    dialog.grab().save(str(OUT / "homework_results.png"))
    print("wrote", OUT / "homework_results.png")

    case = select(1, "even 4×4 kernel")
    dialog.image_spin.setValue(0)
    difference = np.abs(case.output[0] - case.expected[0])
    row, col = np.unravel_index(int(np.argmax(difference)), difference.shape)
    dialog.table.scrollToItem(dialog.table.item(dialog.table.currentRow(), 1))
    dialog.inspect(int(row), int(col))
    pump(app)
    dialog.grab().save(str(OUT / "homework_difference.png"))
    print("wrote", OUT / "homework_difference.png")
    dialog.close()
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
