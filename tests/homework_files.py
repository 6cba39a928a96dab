"""Student files for the homework-checker tests: correct two-loop solutions and mutants.

Written here from the assignment's text, independently of ``core``. ``write_folder`` writes the
seven files, with some tasks replaced by a mutant (or left out).
"""

import textwrap
from pathlib import Path

FILES = {
    0: "0-convolve_grayscale_valid.py",
    1: "1-convolve_grayscale_same.py",
    2: "2-convolve_grayscale_padding.py",
    3: "3-convolve_grayscale.py",
    4: "4-convolve_channels.py",
    5: "5-convolve.py",
    6: "6-pool.py",
}

SOLUTIONS = {
    0: '''
        #!/usr/bin/env python3
        """Valid convolution."""
        import numpy as np


        def convolve_grayscale_valid(images, kernel):
            m, h, w = images.shape
            kh, kw = kernel.shape
            oh, ow = h - kh + 1, w - kw + 1
            out = np.zeros((m, oh, ow))
            for i in range(oh):
                for j in range(ow):
                    patch = images[:, i:i + kh, j:j + kw]
                    out[:, i, j] = np.sum(patch * kernel, axis=(1, 2))
            return out
        ''',
    1: '''
        #!/usr/bin/env python3
        """Same convolution."""
        import numpy as np


        def convolve_grayscale_same(images, kernel):
            m, h, w = images.shape
            kh, kw = kernel.shape
            th, tw = kh - 1, kw - 1
            top, left = th // 2, tw // 2
            pads = ((0, 0), (top, th - top), (left, tw - left))
            padded = np.pad(images, pads)
            oh, ow = padded.shape[1] - kh + 1, padded.shape[2] - kw + 1
            out = np.zeros((m, oh, ow))
            for i in range(oh):
                for j in range(ow):
                    patch = padded[:, i:i + kh, j:j + kw]
                    out[:, i, j] = np.sum(patch * kernel, axis=(1, 2))
            return out
        ''',
    2: '''
        #!/usr/bin/env python3
        """Convolution with custom padding."""
        import numpy as np


        def convolve_grayscale_padding(images, kernel, padding):
            m, h, w = images.shape
            kh, kw = kernel.shape
            ph, pw = padding
            padded = np.pad(images, ((0, 0), (ph, ph), (pw, pw)))
            oh, ow = padded.shape[1] - kh + 1, padded.shape[2] - kw + 1
            out = np.zeros((m, oh, ow))
            for i in range(oh):
                for j in range(ow):
                    patch = padded[:, i:i + kh, j:j + kw]
                    out[:, i, j] = np.sum(patch * kernel, axis=(1, 2))
            return out
        ''',
    3: '''
        #!/usr/bin/env python3
        """Strided convolution."""
        import numpy as np


        def convolve_grayscale(images, kernel, padding='same', stride=(1, 1)):
            m, h, w = images.shape
            kh, kw = kernel.shape
            sh, sw = stride
            if padding == 'same':
                th = max((-(-h // sh) - 1) * sh + kh - h, 0)
                tw = max((-(-w // sw) - 1) * sw + kw - w, 0)
                pads = ((th // 2, th - th // 2), (tw // 2, tw - tw // 2))
            elif padding == 'valid':
                pads = ((0, 0), (0, 0))
            else:
                pads = ((padding[0], padding[0]), (padding[1], padding[1]))
            padded = np.pad(images, ((0, 0),) + pads)
            oh = (padded.shape[1] - kh) // sh + 1
            ow = (padded.shape[2] - kw) // sw + 1
            out = np.zeros((m, oh, ow))
            for i in range(oh):
                for j in range(ow):
                    r, c = i * sh, j * sw
                    patch = padded[:, r:r + kh, c:c + kw]
                    out[:, i, j] = np.sum(patch * kernel, axis=(1, 2))
            return out
        ''',
    4: '''
        #!/usr/bin/env python3
        """Convolution with channels."""
        import numpy as np


        def convolve_channels(images, kernel, padding='same', stride=(1, 1)):
            m, h, w, c = images.shape
            kh, kw, _ = kernel.shape
            sh, sw = stride
            if padding == 'same':
                th = max((-(-h // sh) - 1) * sh + kh - h, 0)
                tw = max((-(-w // sw) - 1) * sw + kw - w, 0)
                pads = ((th // 2, th - th // 2), (tw // 2, tw - tw // 2))
            elif padding == 'valid':
                pads = ((0, 0), (0, 0))
            else:
                pads = ((padding[0], padding[0]), (padding[1], padding[1]))
            padded = np.pad(images, ((0, 0),) + pads + ((0, 0),))
            oh = (padded.shape[1] - kh) // sh + 1
            ow = (padded.shape[2] - kw) // sw + 1
            out = np.zeros((m, oh, ow))
            for i in range(oh):
                for j in range(ow):
                    r, s = i * sh, j * sw
                    patch = padded[:, r:r + kh, s:s + kw, :]
                    out[:, i, j] = np.sum(patch * kernel, axis=(1, 2, 3))
            return out
        ''',
    5: '''
        #!/usr/bin/env python3
        """Convolution with a bank of kernels."""
        import numpy as np


        def convolve(images, kernels, padding='same', stride=(1, 1)):
            m, h, w, c = images.shape
            kh, kw, _, nc = kernels.shape
            sh, sw = stride
            if padding == 'same':
                th = max((-(-h // sh) - 1) * sh + kh - h, 0)
                tw = max((-(-w // sw) - 1) * sw + kw - w, 0)
                pads = ((th // 2, th - th // 2), (tw // 2, tw - tw // 2))
            elif padding == 'valid':
                pads = ((0, 0), (0, 0))
            else:
                pads = ((padding[0], padding[0]), (padding[1], padding[1]))
            padded = np.pad(images, ((0, 0),) + pads + ((0, 0),))
            oh = (padded.shape[1] - kh) // sh + 1
            ow = (padded.shape[2] - kw) // sw + 1
            out = np.zeros((m, oh, ow, nc))
            for i in range(oh):
                for j in range(ow):
                    r, s = i * sh, j * sw
                    patch = padded[:, r:r + kh, s:s + kw, :]
                    out[:, i, j, :] = np.tensordot(patch, kernels, axes=([1, 2, 3], [0, 1, 2]))
            return out
        ''',
    6: '''
        #!/usr/bin/env python3
        """Max and average pooling."""
        import numpy as np


        def pool(images, kernel_shape, stride, mode='max'):
            m, h, w, c = images.shape
            kh, kw = kernel_shape
            sh, sw = stride
            oh = (h - kh) // sh + 1
            ow = (w - kw) // sw + 1
            out = np.zeros((m, oh, ow, c))
            reduce = np.max if mode == 'max' else np.mean
            for i in range(oh):
                for j in range(ow):
                    r, s = i * sh, j * sw
                    out[:, i, j, :] = reduce(images[:, r:r + kh, s:s + kw, :], axis=(1, 2))
            return out
        ''',
}

# Each mutant: (task, [(old text, new text), ...]) applied to that task's solution.
MUTANTS = {
    # conventions
    "flipped": (0, [("    kh, kw = kernel.shape\n",
                     "    kh, kw = kernel.shape\n    kernel = kernel[::-1, ::-1]\n")]),
    "same_top_left": (1, [("top, left = th // 2, tw // 2",
                           "top, left = th - th // 2, tw - tw // 2")]),
    "symmetric_half": (1, [("pads = ((0, 0), (top, th - top), (left, tw - left))",
                            "pads = ((0, 0), (kh // 2, kh // 2), (kw // 2, kw // 2))")]),
    "keep_size": (3, [("pads = ((th // 2, th - th // 2), (tw // 2, tw - tw // 2))",
                       "ph = -(-((h - 1) * sh + kh - h) // 2)\n"
                       "        pw = -(-((w - 1) * sw + kw - w) // 2)\n"
                       "        pads = ((ph, ph), (pw, pw))")]),
    "plus_one_formula": (3, [("pads = ((th // 2, th - th // 2), (tw // 2, tw - tw // 2))",
                              "ph = ((h - 1) * sh + kh - h) // 2 + 1\n"
                              "        pw = ((w - 1) * sw + kw - w) // 2 + 1\n"
                              "        pads = ((ph, ph), (pw, pw))")]),
    "partial_window": (6, [("oh = (h - kh) // sh + 1", "oh = -(-(h - kh) // sh) + 1"),
                           ("ow = (w - kw) // sw + 1", "ow = -(-(w - kw) // sw) + 1")]),
    # bugs
    "swapped_stride": (3, [("sh, sw = stride", "sw, sh = stride")]),
    "wrong_size": (5, [("oh = (padded.shape[1] - kh) // sh + 1",
                        "oh = int((padded.shape[1] - kh + 1) / sh)"),
                       ("ow = (padded.shape[2] - kw) // sw + 1",
                        "ow = int((padded.shape[2] - kw + 1) / sw)")]),
    "uint8_overflow": (0, [("out = np.zeros((m, oh, ow))",
                            "out = np.zeros((m, oh, ow), dtype=images.dtype)")]),
    "channels_not_summed": (4, [("out = np.zeros((m, oh, ow))", "out = np.zeros((m, oh, ow, c))"),
                                ("axis=(1, 2, 3)", "axis=(1, 2)")]),
    # the loop never ends when there is no padding (one case)
    "infinite_loop": (2, [("for i in range(oh):", "for i in (iter(int, 1) if ph == 0 else range(oh)):")]),
    # crashes on a tuple padding (the assignment allows (ph, pw))
    "crash": (4, [("pads = ((padding[0], padding[0]), (padding[1], padding[1]))",
                   "pads = ((padding.ph, padding.ph), (padding.pw, padding.pw))")]),
    # the file does not even parse: every case of the task is an error, the others run
    "syntax_error": (6, [("def pool(images, kernel_shape, stride, mode='max'):",
                          "def pool(images, kernel_shape, stride, mode='max')")]),
    # a third loop, output unchanged
    "three_loops": (0, [("    kh, kw = kernel.shape\n",
                         "    kh, kw = kernel.shape\n"
                         "    kernel = np.array([row for row in kernel])\n")]),
}


def source(task, mutant=None):
    """The file text of ``task``'s solution, with ``mutant``'s edits applied."""
    text = textwrap.dedent(SOLUTIONS[task]).lstrip()
    if mutant is not None:
        number, edits = MUTANTS[mutant]
        assert number == task, (mutant, task)
        for old, new in edits:
            assert old in text, (mutant, old)
            text = text.replace(old, new)
    return text


def write_folder(folder, mutants=(), missing=()):
    """Write the seven files to ``folder``: mutated tasks from ``mutants``, none for ``missing``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    chosen = {MUTANTS[name][0]: name for name in mutants}
    assert len(chosen) == len(tuple(mutants)), "one mutant per task"
    for task, name in FILES.items():
        if task in missing:
            continue
        (folder / name).write_text(source(task, chosen.get(task)), encoding="utf-8")
    return folder
