"""Feature maps: every conv and pool layer's channels for one image, enlarged and side by side,
live while the run trains and played back over its saved states."""

from ui.views import feature_maps

feature_maps.render()
