"""Filters: what each filter of a conv layer looks for, from the test images that excite it
most and from an image grown to excite it, live while the run trains."""

from ui import filters_view, inside_page, live_view
from ui.shell import ensure_shell

ensure_shell()

run, data, picked = inside_page.start(
    "Filters", "filters", ("top_images", "activation_max", "kernel")
)
live_view.live_fragment(
    run, "fi", lambda shown, model: filters_view.draw(shown, model, data, picked)
)
