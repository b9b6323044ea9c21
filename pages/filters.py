"""Filters: what each filter of a conv layer looks for, from the test images that excite it
most and from an image grown to excite it, live while the run trains."""

from ui.live import fragment
from ui.shell import ensure_shell
from ui.views import filters, inside_page

ensure_shell()

run, data, picked = inside_page.start(
    "Filters", "filters", ("top_images", "activation_max", "kernel")
)
fragment.live_fragment(run, "fi", lambda shown, model: filters.draw(shown, model, data, picked))
