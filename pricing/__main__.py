"""Command line: ``python -m pricing solve|generate``; see ``--help``."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
