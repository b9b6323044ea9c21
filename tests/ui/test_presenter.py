"""Page tests (streamlit.testing) for the presenter display: `?present=1` or the sidebar's toggle
turn it on (larger text, projector figures, settings folded away), the toggle turns it off, and
the URL follows the toggle both ways."""

from __future__ import annotations

import json
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from fmnist_viz.figures.projector import BASE_FONT
from fmnist_viz.runs import RunStore
from tests.apptest_support import app_env, open_page
from tests.run_support import build_compare_store
from ui import shell
from ui.core import presenter
from ui.views import inside_page


@pytest.fixture
def compare_store(env: RunStore) -> RunStore:
    """The app's store with the four comparison fixture runs (charts on Compare)."""
    build_compare_store(env.root)
    return env


@pytest.fixture
def trained(tiny_runs, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The app pointed at the two tiny trained runs; their ids by preset."""
    store, ids = tiny_runs
    with app_env(monkeypatch, store.root):
        yield ids


def _figure(at: AppTest, key: str) -> dict[str, Any]:
    """The Plotly figure drawn with this key, as the browser gets it."""
    for chart in at.get("plotly_chart"):
        if chart.proto.id.rsplit("-", 1)[-1] == key:
            return json.loads(chart.proto.spec)
    raise AssertionError(f"no chart {key}: {[c.proto.id for c in at.get('plotly_chart')]}")


def _font(at: AppTest, key: str) -> float | None:
    return _figure(at, key)["layout"].get("font", {}).get("size")


def _css_on(at: AppTest) -> bool:
    """Is the presenter display's style sheet on the page?"""
    return any(presenter.ROOT_FONT in h.proto.body for h in at.get("html"))


def _toggle(at: AppTest):
    return at.toggle(key=presenter.KEY)


def test_plain_display_by_default(compare_store: RunStore) -> None:
    at = open_page("pages/compare.py")
    assert _toggle(at).value is False and _toggle(at).label == presenter.LABEL
    assert not _css_on(at)
    assert _font(at, "cmp_overlay_accuracy") is None  # Plotly's own size
    assert presenter.KEY not in at.query_params


@pytest.mark.slow
def test_present_1_in_the_url_turns_it_on_on_every_page(compare_store: RunStore) -> None:
    at = open_page(present="1")  # Home
    assert _toggle(at).value is True
    assert _css_on(at)
    assert _font(at, "home_examples") == BASE_FONT
    at.switch_page("pages/compare.py").run()
    assert not at.exception, at.exception
    assert _toggle(at).value is True and _css_on(at)
    figure = _figure(at, "cmp_overlay_accuracy")
    assert figure["layout"]["font"]["size"] == BASE_FONT
    assert figure["layout"]["xaxis"]["tickfont"]["size"] > 12
    assert figure["layout"]["height"] > 450
    # a page change clears the URL's parameters: the next run writes ?present=1 again
    at.query_params.pop(presenter.KEY, None)
    at.run()
    assert at.query_params[presenter.KEY] == presenter.URL_ON
    assert _toggle(at).value is True


@pytest.mark.slow
def test_the_toggle_turns_it_off_and_on_with_the_url(compare_store: RunStore) -> None:
    at = open_page("pages/compare.py", present="1")
    _toggle(at).set_value(False).run()
    assert presenter.KEY not in at.query_params
    assert not _css_on(at)
    assert _font(at, "cmp_overlay_accuracy") is None
    at.switch_page("pages/home.py").run()
    assert _toggle(at).value is False and not _css_on(at)  # stays off on the next page
    _toggle(at).set_value(True).run()
    assert at.query_params[presenter.KEY] == presenter.URL_ON
    assert _css_on(at) and _font(at, "home_examples") == BASE_FONT


@pytest.mark.parametrize(("query", "state"), [({"present": "1"}, "collapsed"), ({}, "auto")])
def test_the_sidebar_starts_collapsed_when_presenting(
    env: RunStore, monkeypatch: pytest.MonkeyPatch, query: dict[str, str], state: str
) -> None:
    calls: list[dict[str, Any]] = []
    original = shell.st.set_page_config
    monkeypatch.setattr(
        shell.st, "set_page_config", lambda **kw: calls.append(kw) or original(**kw)
    )
    open_page(**query)
    assert calls and {c["initial_sidebar_state"] for c in calls} == {state}


@pytest.mark.slow
def test_inside_page_settings_fold_away_and_figures_are_restyled(trained) -> None:
    query = {"run": trained["model2"], "img": "0"}
    plain = open_page("pages/feature_maps.py", **query)
    assert inside_page.SETTINGS not in [e.label for e in plain.expander]
    at = open_page("pages/feature_maps.py", present="1", **query)
    folded = next(e for e in at.expander if e.label == inside_page.SETTINGS)
    assert not folded.proto.expanded
    assert at.radio(key="picker_mode")  # the picker is still there, folded
    assert not any(e.proto.expanded for e in at.expander)  # notes closed too
    assert _font(at, "fm_grid_conv1") == BASE_FONT
    assert _font(plain, "fm_grid_conv1") is None
