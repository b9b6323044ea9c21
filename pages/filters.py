"""Filters: what each filter of a conv layer looks for, from the test images that excite it
most and from an image grown to excite it, live while the run trains."""

from ui.views import filters

filters.render()
