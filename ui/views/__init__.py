"""One module per page, each with its `render()`; `inside_page` is the common start of the
inside pages that look at one image, `lesson` the Lesson's package, `classroom` the Class
page's."""

from ui.views import (
    attribution,
    classroom,
    compare,
    embeddings,
    evaluate,
    filters,
    inside_page,
    lesson,
)

__all__ = [
    "attribution",
    "classroom",
    "compare",
    "embeddings",
    "evaluate",
    "filters",
    "inside_page",
    "lesson",
]
