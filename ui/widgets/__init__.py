"""Widgets several pages use: the drawing canvas (`drawing`), the custom-architecture editor
(`layer_editor`), an architecture's export and import (`spec_transfer`), the teaching notes
(`concepts`), the run chooser (`run_chooser`), the Sweep form (`sweep_form`) and the image the
inside pages probe (`image_picker`)."""

from ui.widgets import (
    concepts,
    drawing,
    image_picker,
    layer_editor,
    run_chooser,
    spec_transfer,
    sweep_form,
)

__all__ = [
    "concepts",
    "drawing",
    "image_picker",
    "layer_editor",
    "run_chooser",
    "spec_transfer",
    "sweep_form",
]
