"""Kernels: the weights of every conv layer, live while the run trains, over its saved states."""

from ui.views import kernels

kernels.render()
