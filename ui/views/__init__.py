"""One module per page, each with its `render()`; `inside_page` is the common start of the
inside pages that look at one image, `lesson` the Lesson's package."""

from ui.views import (
    attribution,
    compare,
    embeddings,
    evaluate,
    filters,
    inside_page,
    lesson,
)

__all__ = [
    "attribution",
    "compare",
    "embeddings",
    "evaluate",
    "filters",
    "inside_page",
    "lesson",
]
