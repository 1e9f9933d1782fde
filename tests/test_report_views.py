"""A report that agrees with itself and loses nothing: one palette and one way to name axes on every view,
loss panels that never mix units, latent views with a margin; a damaged file names itself and the other runs
render; user strings cannot break the page's scripts. Browser checks in headless Chromium."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from report_runs import make_run, make_sweep
from test_report_page import chromium, wait

from vaecli.report import write_report
from vaecli.run import names
from vaecli.visual import plots


def test_one_palette_for_figures_animations_and_charts():
    from matplotlib.colors import to_hex

    names_ = [f"c{k}" for k in range(10)]
    codes, labels = np.random.default_rng(0).normal(size=(100, 2)), np.arange(100) % 10
    figure = plots.latent_scatter(codes, labels, names_, "t")
    drawn = [to_hex(collection.get_facecolor()[0], keep_alpha=False) for collection in figure.axes[0].collections[:10]]
    assert drawn == plots.class_colours(10)
    assert plots.class_colours(10)[9] == "#17becf" and len(set(plots.class_colours(20))) == 20


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    """The sweep page with an elbo and an mmd run ticked (the default): what the comparison shows."""
    sweep = make_sweep(tmp_path_factory.mktemp("views"))
    page = write_report([sweep], sweep / "report.html")
    driver = chromium()
    try:
        driver.get(page.as_uri())
        wait(driver, "return !!(window.vaeViews && window.vaeViews['compare-latent-0'] && window.vaeViews['compare-latent-2']"
                     " && window.vaeViews['latent-0'] && window.vaeViews.compare)")
        yield driver, page
    finally:
        driver.quit()


@pytest.mark.slow
def test_the_page_agrees_with_itself(compared):
    driver, page = compared
    # one palette: the chart's class colours are the figures' (plots.class_colours), in class order
    colours = driver.execute_script("var s = window.vaeViews['latent-0'].scale('color');"
                                    "return s.domain().map(function (d) { return s(d); })")
    assert [c.lower() for c in colours] == plots.class_colours(10)
    # one way to name axes: the figures' z[0], z[1] (from latent_points.npz), never z₁
    titles = driver.execute_script("return Array.from(document.querySelectorAll('#latent-0 .role-axis-title text'))"
                                   ".map(function (t) { return t.textContent; })")
    assert sorted(titles) == ["z[0]", "z[1]"] and "z₁" not in page.read_text()
    # units: elbo's and mmd's losses in separate panels, each with its own scale
    headers = driver.execute_script("return Array.from(document.querySelectorAll('#compare-curves .role-title-text, "
                                    "#compare-curves .role-header-label text')).map(function (t) { return t.textContent; })")
    loss = sorted(h for h in headers if h.startswith("loss ·"))
    assert loss == ["loss · elbo, bernoulli", "loss · mmd, mse"], headers
    assert "kl" in headers and "mmd" in headers  # parts of one objective keep their plain name
    # a margin: no point of a compared latent view on (or beyond) its frame
    for key in ("compare-latent-0", "compare-latent-2"):
        box = driver.execute_script(f"var v = window.vaeViews['{key}']; return [v.width(), v.height()]")
        xy = driver.execute_script(f"""var out = [];
            (function walk(item) {{
              if (item.marktype === 'symbol' && item.role === 'mark') item.items.forEach(function (p) {{ out.push([p.x, p.y]); }});
              else (item.items || []).forEach(walk);
            }})(window.vaeViews['{key}'].scenegraph().root);
            return out;""")
        assert len(xy) == 500, key
        assert min(p[0] for p in xy) > 5 and max(p[0] for p in xy) < box[0] - 5, key
        assert min(p[1] for p in xy) > 5 and max(p[1] for p in xy) < box[1] - 5, key


def _damage(run, file: str) -> None:
    target = run / file
    if file == names.METRICS_CSV:
        target.write_text("epoch,train/loss\n1,not-a-number\n")
    elif file == names.CONFIG:
        target.write_text("model: [unclosed\n")
    else:
        target.write_bytes(b"\x00damaged\xff" * 3)


LATEST_FIGURE = f"{names.FIGURES}/{names.figure_name('latent', 3)}"


@pytest.mark.parametrize("file, left_out", [
    (names.CONFIG, True), (names.METRICS_CSV, True), (names.METRICS_JSON, False), (names.MODEL, False),
    (LATEST_FIGURE, False), (names.LATENT_POINTS, False), (names.RUN_INFO, False), (names.OPTUNA_RESULTS, False),
    (names.TRIALS, False), (names.OPTUNA_STORAGE, False)])
def test_a_damaged_file_is_named_and_the_rest_renders(tmp_path, file, left_out):
    sweep = make_sweep(tmp_path, points=20)
    damaged = sweep / "0_model=elbo,seed=0"
    in_sweep = file in (names.OPTUNA_RESULTS, names.TRIALS, names.OPTUNA_STORAGE)
    _damage(sweep if in_sweep else damaged, file)
    text = write_report([sweep], tmp_path / "report.html").read_text()
    if in_sweep:
        assert re.search(rf"could not read <code>{re.escape(file)}</code>: \w+", text)
    else:
        item = re.search(r'<details class="damaged" open><summary>1 damaged file</summary><ul><li>(.*?)</li>', text).group(1)
        assert damaged.name in item and file in item, item
        assert ("(left out)" if left_out else "(shown without it)") in item
    cards = re.findall(r'<details class="card" id="card-\d+"', text)
    assert len(cards) == (3 if left_out else 4)  # the others render


@pytest.mark.slow
def test_user_strings_cannot_break_the_page(tmp_path):
    hostile = ["<!--", "</script>", "a&b \"q\" 'q'", "<img src=x onerror=alert(1)>", *(f"c{k}" for k in range(4, 10))]
    run = make_run(tmp_path / "runs" / "<b>bold<b> & <script>", "elbo", 0, points=40, class_names=hostile)
    (run / names.RUN_INFO).write_text(json.dumps({"command": ["vae", "train", "--note=</script><!--"]}))
    page = write_report([tmp_path / "runs"], tmp_path / "report.html", title="</title><script>window.pwned=1</script>")
    text = page.read_text()
    for data in re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', text, re.S):
        assert "<" not in data and ">" not in data and "&" not in data  # \u003c etc., read back by JSON.parse
    driver = chromium()
    try:
        driver.get(page.as_uri())
        wait(driver, "return !!(window.vaeTableReady && window.vaeViews && window.vaeViews['latent-0'])")
        assert driver.title == "</title><script>window.pwned=1</script>"
        assert driver.execute_script("return window.pwned") is None
        legend = driver.execute_script("return Array.from(document.querySelectorAll('#latent-0 .role-legend-label text'))"
                                       ".map(function (t) { return t.textContent; })")
        assert legend == hostile  # the class names, as written, in the chart the scripts drew
        folder = driver.execute_script("return document.querySelector('#card-0 .hint a').textContent")
        assert folder == "<b>bold<b> & <script>"
        assert "--note=</script><!--" in driver.execute_script("return document.querySelector('.prov-command').textContent")
        assert not driver.find_elements("css selector", "img[src=x]")
    finally:
        driver.quit()


def test_a_run_without_metrics_csv_is_listed_with_its_state(tmp_path):
    from vaecli.run import status

    sweep = make_sweep(tmp_path, points=0)
    starting = sweep / "1_model=elbo,seed=1"
    (starting / names.METRICS_CSV).unlink()
    status.write(starting, status.JobStatus("running", "job 1"))
    text = write_report([sweep], tmp_path / "report.html").read_text()
    assert re.search(rf"{re.escape(starting.name)}</code>: <b>metrics.csv</b> missing: no epoch finished \(the run is running\)", text)
    assert len(re.findall(r'<details class="card" id="card-\d+"', text)) == 3
