"""Fashion-MNIST CNN Explorer: `streamlit run dashboard.py`.

Sets up navigation and the sidebar shared by every page; each page lives in pages/.
"""

import streamlit as st

from ui import resources, sidebar

st.set_page_config(page_title="Fashion-MNIST CNN Explorer", page_icon="👟", layout="wide")

PAGES = [
    st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("pages/train.py", title="Train", icon=":material/model_training:"),
    st.Page("pages/runs.py", title="Runs", icon=":material/folder_open:"),
]

page = st.navigation(PAGES)
sidebar.render(resources.job_manager())
page.run()
