"""Tests for fmnist_viz.figures.curves on the four fixture runs of test_compare."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from fmnist_viz.figures import HIDDEN, gap_chart, group_colors, overlay_curves, small_multiples
from fmnist_viz.figures import RUN_COLORS as PALETTE
from fmnist_viz.study import load_series
from tests.run_support import FIXTURE, GROUP_A, GROUP_B


@pytest.fixture
def series(compare_runs):
    """The four fixture runs (two configurations × two seeds) loaded for comparison."""
    store, ids = compare_runs
    return load_series(store, ids.values())[0]


def _names(fig: go.Figure) -> list[str]:
    """The trace names of a figure."""
    return [t.name for t in fig.data]


def _trace(fig: go.Figure, name: str) -> go.Scatter:
    """The one trace with this name."""
    (found,) = [t for t in fig.data if t.name == name]
    return found


def _fills(fig: go.Figure) -> list[go.Scatter]:
    """The band polygons of a figure."""
    return [t for t in fig.data if t.fill == "toself"]


def _history(name: str, column: int) -> list[float]:
    """One column of a fixture run's history (1 loss, 2 acc, 3 val_loss, 4 val_acc)."""
    return [row[column] for row in FIXTURE[name][4]]


def test_group_colors_follow_first_appearance() -> None:
    colors = group_colors(["b", "a", "b", "c"])
    assert list(colors) == ["b", "a", "c"]
    assert colors["b"] == PALETTE[0] and colors["a"] == PALETTE[1]
    many = group_colors([str(i) for i in range(len(PALETTE) + 1)])
    assert many[str(len(PALETTE))] == PALETTE[0]


def test_overlay_with_bands_has_mean_and_band_per_group(series) -> None:
    fig = overlay_curves(series)
    assert len(fig.data) == 8  # 2 groups × (train, val) × (band, mean)
    assert len(_fills(fig)) == 4
    for group in (GROUP_A, GROUP_B):
        train = _trace(fig, f"{group} · training (mean)")
        val = _trace(fig, f"{group} · validation (mean)")
        assert train.line.dash == "dash" and val.line.dash == "solid"
        assert train.line.color == val.line.color
    mean_val_b = _trace(fig, f"{GROUP_B} · validation (mean)")
    assert list(mean_val_b.x) == [1, 2, 3]
    assert list(mean_val_b.y) == pytest.approx([0.755, 0.805, 0.83])
    assert [int(n) for n in mean_val_b.customdata[:, 1]] == [2, 2, 1]


def test_band_polygon_spans_mean_plus_and_minus_std(series) -> None:
    fig = overlay_curves(series)
    band = _trace(fig, f"{GROUP_A} · training ± std")
    std = np.std([_history("a1", 2), _history("a2", 2)], axis=0, ddof=1)
    mean = np.mean([_history("a1", 2), _history("a2", 2)], axis=0)
    assert list(band.x) == [1, 2, 3, 3, 2, 1]
    assert list(band.y) == pytest.approx([*(mean + std), *(mean - std)[::-1]])


def test_show_runs_adds_faint_run_lines(series) -> None:
    fig = overlay_curves(series, show_runs=True)
    assert len(fig.data) == 16
    run = _trace(fig, "b2 · validation")
    assert list(run.y) == pytest.approx(_history("b2", 4))
    assert run.opacity < 1 and run.showlegend is False


def test_overlay_without_bands_draws_every_run(series) -> None:
    fig = overlay_curves(series, bands=False, metric="loss")
    assert _fills(fig) == []
    assert sorted(_names(fig)) == sorted(
        f"{n} · {split}" for n in FIXTURE for split in ("training", "validation")
    )
    assert list(_trace(fig, "a2 · training").y) == pytest.approx(_history("a2", 1))
    assert list(_trace(fig, "a2 · validation").y) == pytest.approx(_history("a2", 3))
    assert _trace(fig, "a1 · training").line.color == _trace(fig, "a2 · training").line.color


def test_reference_lines_when_asked(series) -> None:
    assert len(overlay_curves(series).layout.shapes) == 0
    reference = {"Study Model 1": 0.91957, "Study Model 2": 0.92147}
    fig = overlay_curves(series, reference=reference)
    shapes = fig.layout.shapes
    assert [s.y0 for s in shapes] == [0.91957, 0.92147]
    assert all(s.line.dash == "dot" for s in shapes)
    texts = [a.text for a in fig.layout.annotations]
    assert any("Study Model 1" in t for t in texts) and any("Study Model 2" in t for t in texts)
    with pytest.raises(ValueError, match="accuracies"):
        overlay_curves(series, metric="loss", reference=reference)


def test_colours_and_uirevision_are_stable_across_figures(series) -> None:
    overlay = overlay_curves(series)
    gap = gap_chart(series)
    multiples = small_multiples(series, by="group")
    for group in (GROUP_A, GROUP_B):
        color = _trace(overlay, f"{group} · training (mean)").line.color
        assert _trace(gap, f"{group} · gap (mean)").line.color == color
        assert _trace(multiples, f"{group} · validation (mean)").line.color == color
    assert overlay.layout.uirevision == overlay_curves(series, bands=False).layout.uirevision
    for fig in (overlay, gap, multiples):
        assert fig.layout.uirevision


def test_caller_colours_win(series) -> None:
    fig = overlay_curves(series, colors={GROUP_B: "#123456"})
    assert _trace(fig, f"{GROUP_B} · training (mean)").line.color == "#123456"
    assert "rgba(18, 52, 86" in _trace(fig, f"{GROUP_B} · training ± std").fillcolor


def _axis_root(fig: go.Figure, axis: str) -> str:
    """Follow `matches` from an axis to the axis it finally shares with."""
    seen = axis
    while (match := fig.layout[seen].matches) is not None:
        seen = f"{axis[0]}axis{match[1:]}"
    return seen


def test_small_multiples_one_panel_per_group_with_shared_axes(series) -> None:
    fig = small_multiples(series, metric="accuracy", by="group")
    titles = [a.text for a in fig.layout.annotations]
    assert titles == [GROUP_A, GROUP_B]
    assert "xaxis2" in fig.layout and "xaxis3" not in fig.layout
    assert _axis_root(fig, "xaxis") == _axis_root(fig, "xaxis2")
    assert _axis_root(fig, "yaxis") == _axis_root(fig, "yaxis2")
    assert {t.xaxis for t in fig.data} == {"x", "x2"}


def test_small_multiples_per_run(series) -> None:
    fig = small_multiples(series, by="run", cols=3)
    assert [a.text for a in fig.layout.annotations] == list(FIXTURE)
    assert len(fig.data) == 8
    assert {t.xaxis for t in fig.data} == {"x", "x2", "x3", "x4"}
    roots = {_axis_root(fig, f"yaxis{i}") for i in ("", "2", "3", "4")}
    assert len(roots) == 1
    b2 = [t for t in fig.data if t.xaxis == "x4"]
    assert [list(t.y) for t in b2] == [
        pytest.approx(_history("b2", 2)),
        pytest.approx(_history("b2", 4)),
    ]
    with pytest.raises(ValueError, match="by must be"):
        small_multiples(series, by="seed")


def test_small_multiples_epoch_title_only_under_the_bottom_row(series) -> None:
    fig = small_multiples(series, by="run", cols=2)  # 4 runs: 2 rows
    titles = {name: fig.layout[name].title.text for name in ("xaxis", "xaxis2", "xaxis3", "xaxis4")}
    assert titles["xaxis"] is None and titles["xaxis2"] is None
    assert titles["xaxis3"] and titles["xaxis4"]


def test_gap_chart_per_run_is_train_minus_val(series) -> None:
    fig = gap_chart(series, bands=False)
    assert sorted(_names(fig)) == sorted(FIXTURE)
    for name in FIXTURE:
        expected = np.subtract(_history(name, 2), _history(name, 4))
        assert list(_trace(fig, name).y) == pytest.approx(expected)
    zero = [s for s in fig.layout.shapes if s.y0 == 0 and s.y1 == 0]
    assert len(zero) == 1


def test_gap_chart_bands(series) -> None:
    fig = gap_chart(series)
    assert len(fig.data) == 4 and len(_fills(fig)) == 2
    mean = _trace(fig, f"{GROUP_B} · gap (mean)")
    assert list(mean.y) == pytest.approx([(-0.05 - 0.04) / 2, (0.0 + 0.01) / 2, 0.02])


def test_nothing_to_plot_is_an_error() -> None:
    for build in (overlay_curves, small_multiples, gap_chart):
        with pytest.raises(ValueError, match="No runs"):
            build([])


def test_study_bands_only_for_protocol_groups_one_grey_per_model(compare_runs, series) -> None:
    from fmnist_viz.models import preset
    from fmnist_viz.study import study_band
    from fmnist_viz.training import TrainConfig
    from tests.run_support import add_run

    assert not [n for n in _names(overlay_curves(series, study=True)) if n.startswith("Study")]
    store, _ = compare_runs
    ids = []
    for arch in ("model1", "model2"):
        ids.append(add_run(store, arch, preset(arch), TrainConfig(seed=1), FIXTURE["a1"][4],
                           "finished"))  # fmt: skip
        store.update(ids[-1], data_source="Full dataset from /d (60,000 train / 10,000 test)")
    protocol, _ = load_series(store, ids)
    fig = overlay_curves(protocol, "accuracy", study=True)
    means = {t.name: t for t in fig.data if t.name.startswith("Study") and "(mean)" in t.name}
    one = means["Study Model 1 (10 logged runs) · validation (mean)"]
    two = means["Study Model 2 (10 logged runs) · validation (mean)"]
    assert one.line.color != two.line.color
    assert np.allclose(one.y, study_band("model1", "val_accuracy")[1])
    gap = gap_chart(protocol, study=True)
    assert [t.name for t in gap.data if t.name.startswith("Study")][1] == (
        "Study Model 1 (10 logged runs) · gap (mean)"
    )


def _edge_shows(width: float | None, color: str | None, fill: str) -> bool:
    """True when a band's edge would be drawn in a colour other than its own fill."""
    return width != 0 and color not in (HIDDEN, fill)


def test_no_band_edge_is_drawn_in_another_colour(compare_runs, series) -> None:
    """The study's bands once had their edges drawn in Plotly's red, orange and teal (no legend
    explained them): every band edge is hidden, also on a projector."""
    from fmnist_viz.figures import for_projector
    from fmnist_viz.models import preset
    from fmnist_viz.training import TrainConfig
    from tests.run_support import add_run

    store, _ = compare_runs
    ids = list(series_ids(series))
    for arch in ("model1", "model2"):
        ids.append(add_run(store, arch, preset(arch), TrainConfig(seed=1), FIXTURE["a1"][4],
                           "finished"))  # fmt: skip
        store.update(ids[-1], data_source="Full dataset from /d (60,000 train / 10,000 test)")
    protocol, _ = load_series(store, ids)
    figures = [
        overlay_curves(protocol, "accuracy", study=True),
        overlay_curves(protocol, "loss", study=True),
        gap_chart(protocol, study=True),
    ]
    for fig in [*figures, *(for_projector(f) for f in figures)]:
        bands = [t for t in fig.data if t.fill == "toself"]
        assert any(t.name.startswith("Study") for t in bands)
        shown = [
            (t.name, t.line.width, t.line.color)
            for t in bands
            if _edge_shows(t.line.width, t.line.color, t.fillcolor)
        ]
        assert shown == []


def series_ids(series) -> list[str]:
    """The run ids of loaded series."""
    return [s.run_id for s in series]
