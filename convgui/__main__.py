"""``python -m convgui`` does what ``python main.py`` does."""

import sys

from .app import main

if __name__ == "__main__":
    sys.exit(main())
