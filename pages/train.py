"""Train: pick a preset or build your own CNN, then watch it learn live."""

import streamlit as st

from fmnist_viz.jobs import ExecutorError
from fmnist_viz.models import PRESETS, SpecCheck, check_spec, preset
from fmnist_viz.runs import RunError
from fmnist_viz.teaching import PAGE_INTROS, PRESET_STORIES
from fmnist_viz.training import (
    BATCH_SIZE_CHOICES,
    EPOCHS_MAX,
    LEARNING_RATE_FIELD_MIN,
    LEARNING_RATE_MAX,
    OPTIMIZERS,
    PROTOCOL_EPOCHS,
    PROTOCOL_TRAIN_SIZE,
    QUICK_DEMO_EPOCHS,
    QUICK_DEMO_TRAIN_LIMIT,
    SEED_MAX,
    ConfigError,
    TrainConfig,
    training_mb,
    training_problem,
)
from ui.core import presenter, resources, session, warm_up
from ui.live import panel
from ui.shell import ensure_shell
from ui.widgets import layer_editor, spec_transfer

ensure_shell()

CHOICES = [*PRESETS, "custom"]
LENGTHS = {
    "study": (
        f"Study protocol: all {PROTOCOL_TRAIN_SIZE:,} images, {PROTOCOL_EPOCHS} epochs",
        None,
        PROTOCOL_EPOCHS,
    ),
    "demo": (
        f"Quick demo: {QUICK_DEMO_TRAIN_LIMIT:,} images, {QUICK_DEMO_EPOCHS} epochs "
        "(well under a minute)",
        QUICK_DEMO_TRAIN_LIMIT,
        QUICK_DEMO_EPOCHS,
    ),
    "custom": ("Custom", None, None),
}
DEFAULTS = TrainConfig()


def _title(key: str) -> str:
    """The radio label of an architecture choice."""
    return "Build your own" if key == "custom" else PRESETS[key]["title"]


def memory_note(summary: SpecCheck, batch_size: int, limit_mb: int) -> None:
    """The training memory this model needs at a batch size, against the limit per run."""
    shapes = [row.output_shape for row in summary.rows]
    problem = training_problem(shapes, summary.total_params, batch_size, limit_mb)
    if problem:
        st.warning(problem)
        return
    need = training_mb(shapes, summary.total_params, batch_size)
    st.caption(
        f"Memory to train at batch size {batch_size}: about **{need:,.0f} MB** of the "
        f"{limit_mb:,} MB one run may use (larger batches need more)."
    )


def _edit_copy(key: str) -> None:
    """Button callback: open a copy of the preset in the layer editor."""
    layer_editor.load(preset(key))
    st.session_state["train_arch"] = "custom"


jm = resources.job_manager()
st.title("Train")
st.caption(PAGE_INTROS["train"])

current = st.session_state.get(panel.RUN_KEY)
if current:
    panel.show(jm)
    running = (view := jm.view(current)) is not None and view.active
    setup = st.expander("Set up another run", expanded=presenter.expanded(not running))
else:
    setup = st.container()

with setup:
    if "train_arch" not in st.session_state:
        from_url = session.url_value("arch", "model1")
        st.session_state["train_arch"] = from_url if from_url in CHOICES else "model1"
    arch = st.radio("Architecture", CHOICES, format_func=_title, horizontal=True, key="train_arch")
    session.set_url_value("arch", arch)

    if arch == "custom":
        st.caption("Start from a preset or edit the layers below. Shapes update as you edit.")
        summary = layer_editor.editor()
        spec = layer_editor.spec(st.session_state.get("custom_name", "custom"))
    else:
        story = PRESET_STORIES[arch]
        st.markdown(f"**{story.title}** — {story.one_line}")
        with st.expander("How this model differs"):
            st.markdown(story.story)
        spec = preset(arch)
        summary = check_spec(spec)
        st.button("Edit a copy of this model", on_click=_edit_copy, args=(arch,))

    left, right = st.columns([3, 2])
    with left:
        st.dataframe(layer_editor.summary_table(summary), hide_index=True, width="stretch")
        st.caption(f"Total parameters: **{summary.total_params:,}**")
        if summary.ok:
            memory_note(summary, DEFAULTS.batch_size, jm.memory_limit_mb)
        for note in (i for i in summary.issues if i.level == "note"):
            st.info(note.message)
        spec_transfer.export_import(spec, summary)

    with right, st.form("settings"):
        st.markdown("**Training settings** (defaults: the study's protocol)")
        length = st.radio(
            "Length", list(LENGTHS), format_func=lambda k: LENGTHS[k][0], key="train_length"
        )
        c1, c2 = st.columns(2)
        epochs = c1.number_input(
            "Epochs (custom)", 1, EPOCHS_MAX, DEFAULTS.epochs, key="train_epochs"
        )
        subset = c2.number_input(
            "Training images (custom, 0 = all)",
            0,
            PROTOCOL_TRAIN_SIZE,
            0,
            step=1000,
            key="train_subset",
        )
        batch = c1.selectbox(
            "Batch size", BATCH_SIZE_CHOICES, index=BATCH_SIZE_CHOICES.index(DEFAULTS.batch_size)
        )
        optimizer = c2.selectbox("Optimizer", OPTIMIZERS)
        lr = c1.number_input(
            "Learning rate",
            LEARNING_RATE_FIELD_MIN,
            LEARNING_RATE_MAX,
            DEFAULTS.learning_rate,
            format="%.4f",
        )
        seed = c2.number_input("Seed (0 = random)", 0, SEED_MAX, 0, key="train_seed")
        every = c1.number_input(
            "Save the weights every … batches",
            0,
            None,
            None,
            key="train_state_every",
            placeholder="a quarter epoch",
            help="The inside pages play these states back. Empty: four per epoch; 0: only at "
            "epoch ends.",
        )
        name = st.text_input("Run name", "", placeholder=_title(arch), key="train_name")
        start = st.form_submit_button("Start training", type="primary", disabled=not summary.ok)

if start:
    _, limit, n_epochs = LENGTHS[length]
    if length == "custom":
        limit, n_epochs = (int(subset) or None), int(epochs)
    config = TrainConfig(
        epochs=n_epochs,
        batch_size=int(batch),
        learning_rate=float(lr),
        optimizer=optimizer,
        train_limit=limit,
        seed=int(seed) or None,
        state_every=None if every is None else int(every),
    )
    try:
        run_id = jm.submit(session.owner(), spec, config, name=name or _title(arch), arch=arch)
    except (ConfigError, RunError, ExecutorError) as exc:  # settings, memory, store, executor
        st.error(f"Cannot start: {exc}")
    else:
        st.session_state[panel.RUN_KEY] = run_id
        session.set_active_runs([run_id, *session.active_runs_now()])  # the inside pages show it
        st.rerun()  # redraw the sidebar with the new job

if not summary.ok:
    st.warning("Fix the problems above to start training.")

warm_up.warm_up()  # after the page is drawn: TensorFlow loads for the inside pages
