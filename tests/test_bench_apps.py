"""The bench's two browser references run as real Streamlit apps: the trivial page (the budget's floor) and the
frame reference (the app's frame around the same chart). Both must draw their chart, follow the rope_theta slider
the bench presses, and show no exception."""

from streamlit.testing.v1 import AppTest

from tests.apptest_utils import ROOT, TIMEOUT, charts


def _run(script: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "bench" / script), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _wavelengths(at: AppTest) -> list[float]:
    (spec, data), = charts(at)
    return data.sort_values("pair")["wavelength"].tolist()


def test_trivial_page_draws_one_chart_that_follows_its_slider():
    at = _run("trivial_app.py")
    before = _wavelengths(at)
    at.select_slider(key="w_rope_theta").set_value(500000.0).run()
    after = _wavelengths(at)
    assert len(before) == len(after) == 64
    assert after[-1] > before[-1]


def test_frame_reference_has_the_app_frame_and_the_trivial_chart():
    at = _run("frame_app.py")
    # the app's shared sidebar (not the trivial page's lone slider), URL sync and closing expander
    sidebar_keys = {w.key for w in at.sidebar if getattr(w, "key", None)}
    assert {"w_rope_theta", "w_head_dim", "w_max_position_embeddings", "w_rope_type"} <= sidebar_keys, sidebar_keys
    assert [e.label for e in at.main.expander] == ["How this is computed"]
    trivial = _wavelengths(_run("trivial_app.py"))
    assert _wavelengths(at) == trivial
    at.select_slider(key="w_rope_theta").set_value(500000.0).run()
    assert not at.exception
    assert at.query_params.get("rope_theta") == "500000", dict(at.query_params)
    assert _wavelengths(at)[-1] > trivial[-1]
