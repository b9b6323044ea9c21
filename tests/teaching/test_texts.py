"""Tests of teaching.texts: coverage, shape of the texts, and no copying from SEED.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fmnist_viz.teaching import CONCEPTS, PAGE_INTROS, PRESET_STORIES, STUDY_SUMMARY
from fmnist_viz.teaching.texts import Concept, concept

CONCEPT_KEYS = {
    "kernel", "feature_map", "padding", "relu", "max_pooling", "dropout",
    "flatten", "dense", "softmax", "overfitting", "validation", "checkpoint",
    "grad_cam", "saliency", "occlusion", "top_images", "activation_max", "embedding",
    "separability",
}  # fmt: skip
PAGE_KEYS = {
    "home", "train", "runs", "feature_maps", "kernels", "relu", "dropout", "compare", "evaluate",
    "attribution", "filters", "embeddings",
}  # fmt: skip
SEEING_KEYS = ("grad_cam", "saliency", "occlusion", "top_images", "activation_max", "embedding",
               "separability")  # fmt: skip
SHINGLE = 9  # a shared run of 9 words means a sentence longer than 8 words was copied
REPO_ROOT = Path(__file__).resolve().parents[2]
SEED_CANDIDATES = (Path("/work/shared/SEED.md"), REPO_ROOT.parent / "shared" / "SEED.md")


def _sentences(text: str) -> list[str]:
    """Split prose into sentences at ., ! or ? followed by whitespace."""
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]


def _words(text: str) -> list[str]:
    """Lower-case word tokens, ignoring punctuation and markdown."""
    return re.findall(r"[a-z0-9]+", text.lower())


def _shingles(text: str, size: int = SHINGLE) -> set[tuple[str, ...]]:
    """All runs of `size` consecutive words in the text."""
    words = _words(text)
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


def _seed_prose(seed: str) -> list[str]:
    """Prose sentences of SEED.md, skipping the indented architecture listings."""
    prose = "\n".join(line for line in seed.splitlines() if not line.startswith("    "))
    return _sentences(prose)


def _all_texts() -> dict[str, str]:
    """Every piece of teaching text, keyed by where it lives."""
    texts = {f"concept {k} body": c.body for k, c in CONCEPTS.items()}
    texts |= {f"concept {k} summary": c.summary for k, c in CONCEPTS.items()}
    texts |= {f"preset {k}": f"{p.one_line} {p.story}" for k, p in PRESET_STORIES.items()}
    texts |= {f"page {k}": v for k, v in PAGE_INTROS.items()}
    texts["study summary"] = STUDY_SUMMARY
    return texts


def _copied(texts: dict[str, str], seed: str) -> list[tuple[str, str]]:
    """Pairs (text name, SEED sentence) where a run of SHINGLE words was copied."""
    hits = []
    for sentence in _seed_prose(seed):
        seed_runs = _shingles(sentence)
        hits += [(name, sentence) for name, t in texts.items() if seed_runs & _shingles(t)]
    return hits


@pytest.fixture(scope="module")
def seed_text() -> str:
    """The study write-up, or skip when the shared folder is not next to the repo."""
    for path in SEED_CANDIDATES:
        if path.is_file():
            return path.read_text(encoding="utf-8")
    pytest.skip(f"SEED.md not found in {[str(p) for p in SEED_CANDIDATES]}")


def test_concept_keys_exact() -> None:
    assert set(CONCEPTS) == CONCEPT_KEYS
    assert all(c.key == k for k, c in CONCEPTS.items())


@pytest.mark.parametrize("key", sorted(CONCEPT_KEYS))
def test_concept_fields(key: str) -> None:
    c = CONCEPTS[key]
    assert c.title.strip() and c.see_it.strip()
    assert c.summary.strip() and "\n" not in c.summary
    assert 2 <= len(_sentences(c.body)) <= 8, c.body


@pytest.mark.parametrize("key", sorted(CONCEPT_KEYS))
def test_see_it_names_a_page(key: str) -> None:
    see_it = CONCEPTS[key].see_it.lower()
    assert "page" in see_it
    assert any(page.replace("_", " ") in see_it for page in PAGE_KEYS), see_it


@pytest.mark.parametrize("key", SEEING_KEYS)
def test_seeing_methods_say_how_they_mislead(key: str) -> None:
    body = CONCEPTS[key].body
    assert "How it misleads:" in body
    assert len(body.split("How it misleads:")[1].split()) >= 15  # a real warning, not a word


def test_relu_formula() -> None:
    assert "max(0" in CONCEPTS["relu"].body


def test_dropout_scale_formula() -> None:
    body = CONCEPTS["dropout"].body
    assert "1/(1−p)" in body or "1/(1-p)" in body


def test_concept_lookup() -> None:
    assert concept("softmax") is CONCEPTS["softmax"]
    assert isinstance(concept("kernel"), Concept)


def test_concept_unknown_key_lists_valid_keys() -> None:
    with pytest.raises(KeyError) as err:
        concept("convolution")
    message = str(err.value)
    assert "convolution" in message
    assert all(key in message for key in CONCEPT_KEYS)


def test_preset_keys() -> None:
    assert set(PRESET_STORIES) == {"original", "model1", "model2"}
    for key, preset in PRESET_STORIES.items():
        assert preset.key == key
        assert preset.title and preset.one_line and "\n" not in preset.one_line
        assert 2 <= len(_sentences(preset.story)) <= 8


def test_preset_dropout_placement() -> None:
    original = PRESET_STORIES["original"].story
    assert "0.3" in original and "0.5" in original
    model1 = PRESET_STORIES["model1"].story
    assert "only dropout" in model1 and "dense" in model1
    model2 = PRESET_STORIES["model2"]
    assert "Flatten" in model2.story and "Flatten" in model2.one_line
    assert "dropout" in model2.story.lower()


def test_preset_findings() -> None:
    assert "412,778" in PRESET_STORIES["original"].story
    assert "0.91957" in PRESET_STORIES["model1"].story
    assert "over-fitting" in PRESET_STORIES["model1"].story
    assert "0.92147" in PRESET_STORIES["model2"].story
    assert "gap" in PRESET_STORIES["model2"].story


def test_page_intros() -> None:
    assert set(PAGE_INTROS) == PAGE_KEYS
    for key, intro in PAGE_INTROS.items():
        assert 1 <= len(_sentences(intro)) <= 3, key


def test_study_summary_protocol_and_result() -> None:
    for fact in ("55,000", "5,000", "10,000", "Adam", "64", "10 epochs", "10 times"):
        assert fact in STUDY_SUMMARY, fact
    assert "validation loss" in STUDY_SUMMARY
    assert "0.91957" in STUDY_SUMMARY and "0.92147" in STUDY_SUMMARY


def test_copy_detector_catches_a_copied_sentence(seed_text: str) -> None:
    long_sentences = [s for s in _seed_prose(seed_text) if len(_words(s)) > SHINGLE + 2]
    assert long_sentences
    planted = {"planted": f"Intro words here. {long_sentences[0]} Outro."}
    assert _copied(planted, seed_text)


def test_no_sentence_copied_from_seed(seed_text: str) -> None:
    assert _copied(_all_texts(), seed_text) == []
