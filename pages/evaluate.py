"""Evaluate: a run's confusion matrix, per-class accuracy, confused pairs and its mistakes."""

from ui.views import evaluate

evaluate.render()
