#!/usr/bin/env python3
"""Convolution Explorer: ``python main.py`` opens the window (``--help`` lists the options)."""

import sys

from convgui.app import main

if __name__ == "__main__":
    sys.exit(main())
