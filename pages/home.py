"""Home: what the tool does, which data is loaded, the runs there are, where to start."""

from ui.views import home

home.render()
