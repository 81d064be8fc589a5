"""`python -m reconcile`: the same command line as the `reconcile` script (reconcile.cli)."""

import sys

from reconcile.cli import main

if __name__ == "__main__":
    sys.exit(main())
