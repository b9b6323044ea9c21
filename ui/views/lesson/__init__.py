"""The Lesson page: its place in the URL (`nav`), which run it looks inside (`run_choice`),
its image (`image_choice`), the views inside the network (`inside`) and its steps (`steps`)."""

from ui.views.lesson import image_choice, inside, nav, run_choice, steps

__all__ = ["image_choice", "inside", "nav", "run_choice", "steps"]
