"""The Streamlit app's building blocks (the engine in fmnist_viz/ has no UI code).

Packages, bottom up; each imports only the engine and the packages above it in this list (and
its own modules); each package's `__init__` names its modules:

    core     session and URL state, identity, shared resources, the run cache, presenter, warm-up
    widgets  the run chooser, image picker, drawing canvas, layer editor, sweep form, notes
    live     the fragment that polls a run's saved states, the Train page's panel, job progress
    shell    the app's shell: navigation and the sidebar on every page
    views    one module per page (its `render()`), the Lesson's package, the inside pages' start
    startup  the server's start-up hook (dashboard.py's `st.App` lifespan): the warm-up begins
"""

LAYERS: tuple[str, ...] = ("core", "widgets", "live", "shell", "views", "startup")
