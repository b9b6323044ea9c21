"""The Lesson page: its place in the URL (`nav`), which run it looks inside (`run_choice`),
its image (`image_choice`), the views inside the network (`inside`), its steps (`steps`) and
the page (`page`)."""

from ui.views.lesson import image_choice, inside, nav, page, run_choice, steps

__all__ = ["image_choice", "inside", "nav", "page", "run_choice", "steps"]
