"""`python -m egovsim` is `egovsim serve`."""

import sys

from egovsim.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["serve"]))
