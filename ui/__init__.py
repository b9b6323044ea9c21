"""The Streamlit app's building blocks (the engine in fmnist_viz/ has no UI code).

Modules, bottom up; each imports only the engine and the modules above it in this list:

    identity         Who is this browser? Jobs belong to it, so a reload or a second tab can still
    state            Per-session state
    presenter        Presenter display
    resources        Server-wide shared resources
    run_cache        Per-run results the inside pages share, computed once and cached
    warm_up          Warming the server up
    job_progress     One job-progress widget for the sidebar, the Train page's live panel and Compa
    drawing          Draw your own
    layer_editor     The custom-architecture editor
    spec_transfer    The Train page's export and import of an architecture
    concepts         The teaching notes shown beside the inside views (texts from `fmnist_viz.teach
    live_view        Live views
    compare_view     Streamlit pieces of the Compare page
    evaluate_view    Streamlit pieces of the Evaluate page
    lesson_nav       The Lesson's place
    run_chooser      The run chooser at the top of every inside page (and Evaluate)
    sweep_form       The Compare page's Sweep form
    attribution_view The Attribution page's pieces
    filters_view     The Filters page's drawing
    image_picker     The image that the inside-the-network pages probe, shared by all four of them
    lesson_inside    The Lesson's views inside the network (steps 2 to 6)
    live_panel       The Train page's live view of this session's latest job
    lesson_run       Which run the Lesson looks inside
    sidebar          The sidebar on every page
    embeddings_view  The Embeddings page's parts
    inside_page      The common start of the inside pages that look at one image
    lesson_image     The Lesson's image
    lesson_steps     The Lesson's steps without a network to look inside (the data, the study's ver
    shell            The app's shell
"""

LAYERS: tuple[str, ...] = (
    "identity",
    "state",
    "presenter",
    "resources",
    "run_cache",
    "warm_up",
    "job_progress",
    "drawing",
    "layer_editor",
    "spec_transfer",
    "concepts",
    "live_view",
    "compare_view",
    "evaluate_view",
    "lesson_nav",
    "run_chooser",
    "sweep_form",
    "attribution_view",
    "filters_view",
    "image_picker",
    "lesson_inside",
    "live_panel",
    "lesson_run",
    "sidebar",
    "embeddings_view",
    "inside_page",
    "lesson_image",
    "lesson_steps",
    "shell",
)
