"""The command line (`python -m fmnist_viz` or `fmnist-viz`): the parser and the listing and export
commands (`main`), train and the options the training commands share (`training`), reproduce and
sweep (`study`), argument types and printing (`support`).
"""

from fmnist_viz.cli.commands import main

__all__ = ["main"]
