"""Compare: learning curves of several runs side by side, repeated-run statistics, Repeat N,
and sweeps over settings."""

from ui.views import compare

compare.render()
