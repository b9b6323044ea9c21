"""Train: pick a preset or build your own CNN, then watch it learn live."""

import streamlit as st

from fmnist_viz.jobs import Challenge, ExecutorError, JobManager
from fmnist_viz.models import PRESETS, SpecCheck, check_spec, preset
from fmnist_viz.runs import RunError
from fmnist_viz.teaching import PAGE_INTROS, PRESET_STORIES
from fmnist_viz.training import (
    BATCH_SIZE_CHOICES,
    EPOCHS_MAX,
    LEARNING_RATE_FIELD_MIN,
    LEARNING_RATE_MAX,
    OPTIMIZERS,
    PRECISIONS,
    PROTOCOL_EPOCHS,
    PROTOCOL_TRAIN_SIZE,
    QUICK_DEMO_EPOCHS,
    QUICK_DEMO_TRAIN_LIMIT,
    SEED_MAX,
    ConfigError,
    TrainConfig,
    precision_problem,
    training_mb,
    training_problem,
)
from ui.core import presenter, resources, session, warm_up
from ui.live import panel
from ui.shell import ensure_shell
from ui.widgets import layer_editor, nickname, spec_transfer

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
ERROR_KEY = "train_error"  # why the last Start did not start, shown once
PRECISION_TITLES = {"float32": "Exact (float32)", "bfloat16": "Fast (bfloat16)"}


def _start(jm: JobManager, spec: dict, arch: str) -> None:
    """Start button callback: submit the run the form describes; it becomes the panel's run
    and an active run (the inside pages show it), else the reason is shown once."""
    state = st.session_state
    length = state["train_length"]
    _, limit, n_epochs = LENGTHS[length]
    if length == "custom":
        limit, n_epochs = (int(state["train_subset"]) or None), int(state["train_epochs"])
    every = state["train_state_every"]
    config = TrainConfig(
        epochs=n_epochs,
        batch_size=int(state["train_batch"]),
        learning_rate=float(state["train_lr"]),
        optimizer=state["train_optimizer"],
        train_limit=limit,
        seed=int(state["train_seed"]) or None,
        state_every=None if every is None else int(every),
        precision=state["train_precision"],
    )
    if problem := precision_problem(config.precision):
        state[ERROR_KEY] = f"Cannot start: {problem}"
        return
    name = state["train_name"] or _title(arch)
    try:
        run_id = jm.submit(session.owner(), spec, config, name=name, arch=arch)
    except (ConfigError, RunError, ExecutorError) as exc:  # settings, memory, store, executor
        state[ERROR_KEY] = f"Cannot start: {exc}"
        return
    state[panel.RUN_KEY] = run_id
    session.set_active_runs([run_id, *session.active_runs_now()])


def _use_challenge(challenge: Challenge) -> None:
    """Button callback: the class challenge's settings into the form (one click)."""
    config = challenge.config()
    st.session_state.update(
        train_length="custom",
        train_epochs=config.epochs,
        train_subset=config.train_limit or 0,
        train_batch=config.batch_size,
        train_optimizer=config.optimizer,
        train_lr=config.learning_rate,
        train_precision=config.precision,
    )


def _class_strip(jm: JobManager) -> str | None:
    """The class's part of the page: the nickname, the teacher's challenge with its one-click
    setting; returns why Start is disabled for this browser (paused, over its limit), if so."""
    nick, challenge_col = st.columns([1, 2])
    with nick:
        nickname.nickname_input(jm)
    challenge = jm.classroom.settings.challenge
    if challenge is not None:
        with challenge_col:
            st.markdown(f"**Class challenge:** {challenge.describe()}")
            st.button("Use the class challenge", on_click=_use_challenge, args=(challenge,))
    return jm.submit_problem(session.owner())


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


def render() -> None:
    """Draw the Train page."""
    ensure_shell()
    jm = resources.job_manager()
    st.title("Train")
    st.caption(PAGE_INTROS["train"])
    refusal = _class_strip(jm)

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
        arch = st.radio(
            "Architecture", CHOICES, format_func=_title, horizontal=True, key="train_arch"
        )
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
            st.radio(
                "Length", list(LENGTHS), format_func=lambda k: LENGTHS[k][0], key="train_length"
            )
            c1, c2 = st.columns(2)
            c1.number_input("Epochs (custom)", 1, EPOCHS_MAX, DEFAULTS.epochs, key="train_epochs")
            c2.number_input(
                "Training images (custom, 0 = all)",
                0,
                PROTOCOL_TRAIN_SIZE,
                0,
                step=1000,
                key="train_subset",
            )
            c1.selectbox(
                "Batch size",
                BATCH_SIZE_CHOICES,
                index=BATCH_SIZE_CHOICES.index(DEFAULTS.batch_size),
                key="train_batch",
            )
            c2.selectbox("Optimizer", OPTIMIZERS, key="train_optimizer")
            c1.number_input(
                "Learning rate",
                LEARNING_RATE_FIELD_MIN,
                LEARNING_RATE_MAX,
                DEFAULTS.learning_rate,
                format="%.4f",
                key="train_lr",
            )
            c2.number_input("Seed (0 = random)", 0, SEED_MAX, 0, key="train_seed")
            c1.number_input(
                "Save the weights every … batches",
                0,
                None,
                None,
                key="train_state_every",
                placeholder="a quarter epoch",
                help="The inside pages play these states back. Empty: four per epoch; 0: only at "
                "epoch ends.",
            )
            c2.selectbox(
                "Precision",
                PRECISIONS,
                format_func=PRECISION_TITLES.get,
                key="train_precision",
                help="Fast trains in bfloat16 on CPUs with bfloat16 units (the weights are kept "
                "and saved in float32); its numbers differ slightly from the exact mode's.",
            )
            st.text_input("Run name", "", placeholder=_title(arch), key="train_name")
            if refusal:
                st.info(refusal)
            st.form_submit_button(
                "Start training",
                type="primary",
                disabled=not summary.ok or refusal is not None,
                on_click=_start,
                args=(jm, spec, arch),
            )

    if ERROR_KEY in st.session_state:
        st.error(st.session_state.pop(ERROR_KEY))

    if not summary.ok:
        st.warning("Fix the problems above to start training.")

    warm_up.warm_up()  # after the page is drawn: TensorFlow loads for the inside pages
