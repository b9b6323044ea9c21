"""Which run the Lesson looks inside: the active run once it has weights to show; while there
is none, the quick demo (offered, queued, or failed and offered again)."""

from __future__ import annotations

import streamlit as st

from fmnist_viz.jobs import ExecutorError
from fmnist_viz.models import preset
from fmnist_viz.runs import USABLE, RunError
from fmnist_viz.training import QUICK_DEMO_EPOCHS, QUICK_DEMO_TRAIN_LIMIT, ConfigError, TrainConfig
from ui.core import resources, session
from ui.widgets import run_chooser

DEMO_NAME = "Quick demo (lesson)"
DEMO_ARCH = "model1"
WAIT_SECONDS = 1.0


def ready() -> bool:
    """True when there is a run whose weights the lesson can show; else say why (in the
    current container) and what to do: train the quick demo, or wait for it to start."""
    for refused, reason in session.refused_runs().items():  # a link named a run it cannot show
        st.error(f"Run {refused} cannot be shown: {reason}")
    run_id = run_chooser.shown_run_id()
    if run_id is None:
        offer_quick_demo("This step looks inside a trained network, and there is none yet.")
        return False
    try:
        info = resources.store().load(run_id)
    except RunError as exc:
        offer_quick_demo(f"The run this lesson was showing cannot be read: {exc}")
        return False
    if info.status == "queued":
        st.fragment(_waiting, run_every=WAIT_SECONDS)(run_id)
        return False
    if info.status not in USABLE:
        reason = info.get("error") or "no details"
        offer_quick_demo(f"The run **{info.name}** {info.status}: {reason}")
        return False
    return True


DEMO_ERROR_KEY = "lesson_demo_error"  # why the quick demo did not start, shown once


def offer_quick_demo(why: str) -> None:
    """Why there is nothing to look inside, and a button that trains the quick demo (the
    lesson shows it as soon as it starts)."""
    st.info(
        f"{why} The quick demo trains Model 1 on {QUICK_DEMO_TRAIN_LIMIT:,} images for "
        f"{QUICK_DEMO_EPOCHS} epochs; the lesson shows it as it learns."
    )
    st.button("Train the quick demo", key="lesson_demo", type="primary", on_click=_train_demo)
    if DEMO_ERROR_KEY in st.session_state:
        st.error(st.session_state.pop(DEMO_ERROR_KEY))


def _train_demo() -> None:
    """Button callback: start the quick demo; it becomes the active run (the lesson shows it
    as soon as it starts), else the reason is shown once."""
    config = TrainConfig(epochs=QUICK_DEMO_EPOCHS, train_limit=QUICK_DEMO_TRAIN_LIMIT)
    jm = resources.job_manager()
    try:
        run_id = jm.submit(
            session.owner(), preset(DEMO_ARCH), config, name=DEMO_NAME, arch=DEMO_ARCH
        )
    except (ConfigError, RunError, ExecutorError) as exc:
        st.session_state[DEMO_ERROR_KEY] = f"Cannot start the quick demo: {exc}"
        return
    session.set_active_runs([run_id, *session.active_runs_now()])


def _waiting(run_id: str) -> None:
    """The queued run's place in the queue; the whole page reruns when it starts (or ends)."""
    try:
        info = resources.store().load(run_id)
    except RunError:
        st.rerun()
        return
    if info.status != "queued":
        st.rerun()
    view = resources.job_manager().view(run_id)
    place = f" ({view.place()})" if view and view.place() else ""
    st.info(f"**{info.name}** is queued{place}: the lesson goes on as soon as it starts.")
