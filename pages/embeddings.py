"""Embeddings: many test images as points at every stage of the network, from pixels to the
output, and how separable the classes are at each stage (live, and at every saved epoch)."""

from ui.views import embeddings

embeddings.render()
