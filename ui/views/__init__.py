"""One module per page, each with its `render()` that pages/*.py call: attribution, compare,
dropout, embeddings, evaluate, feature_maps, filters, home, kernels, relu, runs, train; the
Lesson's package (`lesson`, its page in `lesson.page`) and the Class page's (`classroom`).
`inside_page` is the common start of the inside pages that look at one image; `compare_tables`
the Compare page's tables, `embeddings_settings` the Embeddings page's settings."""

from ui.views import (
    attribution,
    classroom,
    compare,
    compare_tables,
    dropout,
    embeddings,
    embeddings_settings,
    evaluate,
    feature_maps,
    filters,
    home,
    inside_page,
    kernels,
    lesson,
    relu,
    runs,
    train,
)

__all__ = [
    "attribution",
    "classroom",
    "compare",
    "compare_tables",
    "dropout",
    "embeddings",
    "embeddings_settings",
    "evaluate",
    "feature_maps",
    "filters",
    "home",
    "inside_page",
    "kernels",
    "lesson",
    "relu",
    "runs",
    "train",
]
