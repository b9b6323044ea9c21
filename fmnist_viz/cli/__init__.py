"""The command line (`python -m fmnist_viz`): the parser and the small commands (`commands`:
summary, export, runs), train and the options the training commands share (`training`),
reproduce and sweep (`study`), argument types and printing (`support`).
"""

from fmnist_viz.cli.commands import main

__all__ = ["main"]
