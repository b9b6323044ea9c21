"""The words: the Lesson's steps (`lesson`), each page's intro and concept notes (`texts`,
`texts_seeing`, in the `Concept` shape of `concept`), and the sentences under the charts
(`chart_text`).
"""

from fmnist_viz.teaching.chart_text import (
    confusion_summary,
    curves_summary,
    gap_summary,
    history_summary,
    per_class_summary,
    study_verdict_summary,
)
from fmnist_viz.teaching.lesson import STEPS, Step, step_number
from fmnist_viz.teaching.texts import CONCEPTS, PAGE_INTROS, PRESET_STORIES, STUDY_SUMMARY

__all__ = [
    "CONCEPTS",
    "PAGE_INTROS",
    "PRESET_STORIES",
    "STEPS",
    "STUDY_SUMMARY",
    "Step",
    "confusion_summary",
    "curves_summary",
    "gap_summary",
    "history_summary",
    "per_class_summary",
    "step_number",
    "study_verdict_summary",
]
