"""Embeddings: many test images as points at every stage of the network, from pixels to the
output, and how separable the classes are at each stage (live, and at every saved epoch)."""

from ui.live import fragment
from ui.shell import ensure_shell
from ui.views import embeddings, inside_page

ensure_shell()

run, data, picked = inside_page.start(
    "Embeddings", "embeddings", ("embedding", "separability"), need_image=False
)
chosen = embeddings.settings()
fragment.live_fragment(
    run, "emb", lambda shown, model: embeddings.draw(shown, model, chosen, picked, data)
)
