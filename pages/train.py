"""Train: pick a preset or build your own CNN, then watch it learn live."""

from ui.views import train

train.render()
