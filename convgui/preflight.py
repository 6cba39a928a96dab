"""Before the window opens: is there a display, and are the system libraries Qt needs installed?

Without them Qt aborts the whole process ("Could not load the Qt platform plugin 'xcb'",
exit 134) with advice that does not help. :func:`startup_problem` finds the cause first, without
importing Qt, and returns a message saying what to install or what to use instead.

Examples
--------
>>> startup_problem(environ={"QT_QPA_PLATFORM": "offscreen"}, platform="linux") is None
True
>>> "DISPLAY is not set" in startup_problem(environ={}, platform="linux",
...                                         can_load=lambda name: True)
True
"""

import ctypes
import os
import sys

__all__ = ["startup_problem", "SYSTEM_LIBRARIES", "APT_LINE"]

#: Shared libraries the Qt window needs on Linux, with the Debian/Ubuntu package holding each.
SYSTEM_LIBRARIES = (
    ("libxcb-icccm.so.4", "libxcb-icccm4"),
    ("libxcb-image.so.0", "libxcb-image0"),
    ("libxcb-keysyms.so.1", "libxcb-keysyms1"),
    ("libxcb-render-util.so.0", "libxcb-render-util0"),
    ("libxcb-render.so.0", "libxcb-render0"),
    ("libxcb-shape.so.0", "libxcb-shape0"),
    ("libxcb-xinerama.so.0", "libxcb-xinerama0"),
    ("libxcb-xkb.so.1", "libxcb-xkb1"),
    ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
    ("libGL.so.1", "libgl1"),
    ("libEGL.so.1", "libegl1"),
    ("libgthread-2.0.so.0", "libglib2.0-0"),
    ("libxkbcommon.so.0", "libxkbcommon0"),
    ("libfontconfig.so.1", "libfontconfig1"),
    ("libdbus-1.so.3", "libdbus-1-3"),
)

#: The one command that installs everything above (and venv support for the install steps).
APT_LINE = ("sudo apt install " + " ".join(package for _, package in SYSTEM_LIBRARIES)
            + " python3-venv")

#: Qt platforms that need no display server.
_HEADLESS = {"offscreen", "minimal", "vnc", "eglfs", "linuxfb"}

_ALTERNATIVES = (
    "To run without a window, use the command line:  python main.py apply --help\n"
    "To run the window without a screen (tests, screenshots):  QT_QPA_PLATFORM=offscreen "
    "python main.py")


def _can_load(name):
    try:
        ctypes.CDLL(name)
    except OSError:
        return False
    return True


def startup_problem(environ=None, platform=None, can_load=_can_load):
    """Return a message explaining why the window cannot open, or ``None`` when it can.

    Only Linux with the ``xcb`` platform (the default) is checked; elsewhere Qt brings what it
    needs. ``environ``, ``platform`` and ``can_load`` default to the real machine; tests pass
    fakes.
    """
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    if not platform.startswith("linux"):
        return None
    requested = environ.get("QT_QPA_PLATFORM", "").split(":")[0].strip().lower()
    if requested in _HEADLESS or (requested and requested != "xcb"):
        return None
    missing = [package for library, package in SYSTEM_LIBRARIES if not can_load(library)]
    lines = []
    if not environ.get("DISPLAY"):
        lines.append("Convolution Explorer cannot open a window: no display was found "
                     "(DISPLAY is not set). Over ssh use 'ssh -X'; on WSL use WSLg or an X "
                     "server.")
    if missing:
        lines.append("Convolution Explorer cannot open a window: these system libraries are "
                     "missing: " + ", ".join(missing) + ".\nInstall what a Qt window needs "
                     "(Debian/Ubuntu):\n    " + APT_LINE)
    if not lines:
        return None
    return "\n".join(lines) + "\n" + _ALTERNATIVES
