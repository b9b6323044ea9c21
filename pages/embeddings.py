"""Embeddings: many test images as points at every stage of the network, from pixels to the
output, and how separable the classes are at each stage (live, and at every saved epoch)."""

from ui import embeddings_view, inside_page, live_view
from ui.shell import ensure_shell

ensure_shell()

run, data, picked = inside_page.start(
    "Embeddings", "embeddings", ("embedding", "separability"), need_image=False
)
chosen = embeddings_view.settings()
live_view.live_fragment(
    run, "emb", lambda shown, model: embeddings_view.draw(shown, model, chosen, picked, data)
)
