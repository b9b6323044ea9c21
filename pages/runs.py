"""Runs: the library of saved runs; choose the active run(s), rename, delete."""

from ui.views import runs

runs.render()
