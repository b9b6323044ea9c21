"""Dropout: each dropout layer in training and at inference, MC dropout, and the study's result."""

from ui.views import dropout

dropout.render()
