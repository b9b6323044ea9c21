"""ReLU: each conv layer's responses before and after max(0, x), and how much of them it zeroes."""

from ui.views import relu

relu.render()
