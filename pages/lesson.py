"""Lesson: the study in eight steps, one idea, one figure and a few sentences each, drawn live
from the active run (or the quick demo, trained on the spot). The step is in the URL."""

import streamlit as st

from fmnist_viz.teaching import STEPS
from ui import lesson_image, lesson_nav, lesson_run, lesson_steps, presenter, resources
from ui.run_chooser import choose_run
from ui.shell import ensure_shell

ensure_shell()

number = lesson_nav.current()
step = STEPS[number - 1]
lesson_nav.top(number)
st.subheader(f"{number}. {step.title}", anchor=False)
words, view = st.columns([2, 5], gap="large")
with words:
    for sentence in step.sentences:
        st.markdown(sentence)

if step.key == "verdict":
    with view:
        lesson_steps.verdict_step()
elif (data := resources.dataset_or_error()) is not None:
    if step.key == "data":
        with view:
            lesson_steps.data_step(data)
    else:
        with view:
            ready = lesson_run.ready()
        if ready:
            with words, st.expander("Run and image", expanded=presenter.expanded()):
                run = choose_run()
                image = lesson_image.choose(data) if step.needs_image else None
            if run is not None:
                with view:
                    lesson_steps.run_step(step, run, image)

with words:
    page, _, what = step.page_label.partition(": ")
    st.page_link(step.page, label=f"Dig deeper: {page}", icon=":material/open_in_new:", help=what)
