"""Widgets several pages use: the drawing canvas (`drawing`), the custom-architecture editor
(`layer_editor`), an architecture's export and import (`spec_transfer`), the teaching notes
(`concepts`), the run chooser (`run_chooser`), the Sweep form (`sweep_form`), the image the
inside pages probe (`image_picker`) and the nickname on the Class board (`nickname`)."""

from ui.widgets import (
    concepts,
    drawing,
    image_picker,
    layer_editor,
    nickname,
    run_chooser,
    spec_transfer,
    sweep_form,
)

__all__ = [
    "concepts",
    "drawing",
    "image_picker",
    "layer_editor",
    "nickname",
    "run_chooser",
    "spec_transfer",
    "sweep_form",
]
