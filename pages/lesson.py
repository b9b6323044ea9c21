"""Lesson: the study in eight steps, one idea, one figure and a few sentences each, drawn live
from the active run (or the quick demo, trained on the spot). The step is in the URL."""

import streamlit as st

from fmnist_viz.teaching import STEPS
from ui.core import presenter, resources
from ui.shell import ensure_shell
from ui.views.lesson import image_choice, nav, run_choice, steps
from ui.widgets.run_chooser import choose_run

ensure_shell()

number = nav.current()
step = STEPS[number - 1]
nav.top(number)
st.subheader(f"{number}. {step.title}", anchor=False)
words, view = st.columns([2, 5], gap="large")
with words:
    for sentence in step.sentences:
        st.markdown(sentence)

if step.key == "verdict":
    with view:
        steps.verdict_step()
elif (data := resources.dataset_or_error()) is not None:
    if step.key == "data":
        with view:
            steps.data_step(data)
    else:
        with view:
            ready = run_choice.ready()
        if ready:
            with words, st.expander("Run and image", expanded=presenter.expanded()):
                run = choose_run()
                image = image_choice.choose(data) if step.needs_image else None
            if run is not None:
                with view:
                    steps.run_step(step, run, image)

with words:
    page, _, what = step.page_label.partition(": ")
    st.page_link(step.page, label=f"Dig deeper: {page}", icon=":material/open_in_new:", help=what)
