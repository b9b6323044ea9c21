"""Lesson: the study in eight steps, one idea, one figure and a few sentences each, drawn live
from the active run (or the quick demo, trained on the spot). The step is in the URL."""

from ui.views.lesson import page

page.render()
