"""`python -m fmnist_viz ...`: see fmnist_viz.cli.commands."""

import sys

from fmnist_viz.cli import main

sys.exit(main())
