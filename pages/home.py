"""Home: what the tool does, which data is loaded, the runs there are, where to start."""

import streamlit as st

from fmnist_viz import CLASS_NAMES
from fmnist_viz.data import examples_per_class
from fmnist_viz.figures import examples_grid
from fmnist_viz.teaching import PAGE_INTROS, STUDY_SUMMARY
from ui.core import presenter, resources, warm_up
from ui.shell import ensure_shell

ensure_shell()

st.title("Fashion-MNIST CNN Explorer")
st.markdown(PAGE_INTROS["home"])

data = resources.dataset_or_error()
if data is not None:
    (st.info if data.is_sample else st.success)(data.describe())
    with st.expander("Where the data loader looked"):
        for place in data.looked:
            st.markdown(f"- **{place.kind}** `{place.location}` — {place.outcome}")
    shown = examples_per_class(data.y_test)
    names = [CLASS_NAMES[int(data.y_test[i])] for i in shown]
    presenter.chart(examples_grid(data.x_test[shown], names), key="home_examples")
    st.caption("The ten classes: the first test image of each, 28 × 28 gray pixels.")

runs = resources.store().list()
finished = [r for r in runs if r.status == "finished"]
c1, c2, c3 = st.columns(3)
c1.metric("Runs saved", len(runs))
c2.metric("Finished", len(finished))
best = max((r.get("test_accuracy") or 0 for r in finished), default=None)
c3.metric("Best test accuracy", f"{best:.4f}" if best else "—")

st.subheader("Where to start")
st.page_link(
    "pages/train.py", label="Train a model and watch it learn", icon=":material/model_training:"
)
st.page_link("pages/runs.py", label="Open a saved run", icon=":material/folder_open:")

with st.expander("The study this tool grew from"):
    st.markdown(STUDY_SUMMARY)

warm_up.warm_up()  # after the page is drawn: TensorFlow loads for the inside pages
