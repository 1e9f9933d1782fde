"""The report page on synthetic run folders (tests/report_runs.py): what it says, what it embeds, and how it
behaves in headless Chromium at a 1400-px window: key columns without scrolling, tick to compare, click to
enlarge, hover a latent point."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import numpy as np
import pytest
from conftest import missing
from report_runs import make_run, make_sweep

from vaecli.errors import ConfigError
from vaecli.evaluate.metric_names import COLUMNS
from vaecli.report import write_report
from vaecli.report.tables import KEY
from vaecli.run.names import LATENT_POINTS

SCREENSHOT = Path("/tmp/report_1400.png")  # outside the repository, for the reader of the closing note


@pytest.fixture(scope="module")
def sweep_page(tmp_path_factory) -> Path:
    sweep = make_sweep(tmp_path_factory.mktemp("report"))
    return write_report([sweep], sweep / "report.html")


class Cells(HTMLParser):
    """table id -> rows of (attributes, text) per <td>."""

    def __init__(self, text: str):
        super().__init__()
        self.tables, self.table, self.cell = {}, None, None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.table = self.tables.setdefault(dict(attrs)["id"], [])
        elif tag == "tr" and self.table is not None:
            self.table.append([])
        elif tag == "td" and self.table is not None:
            self.cell = [dict(attrs), ""]
            self.table[-1].append(self.cell)

    def handle_data(self, data):
        if self.cell is not None:
            self.cell[1] += data

    def handle_endtag(self, tag):
        if tag == "td":
            self.cell = None
        elif tag == "table":
            self.table = None


def test_a_single_run_is_one_run_of_one_seed(tmp_path):
    make_run(tmp_path / "run", "elbo", seed=0, points=0)
    text = write_report([tmp_path], tmp_path / "report.html").read_text()
    assert "1 run in 1 configuration;" in text and "1 runs" not in text
    (row,) = [row for row in Cells(text).tables["summary"] if row]
    seeds = next(attrs for attrs, _ in row if attrs.get("class") == "seeds")
    assert seeds["data-value"] == "1" and seeds["title"] == "1 seed: 0"  # the count, not seed 0's value
    assert "id=\"spec-latent-" not in text  # no latent_points.npz: no interactive latent view
    with pytest.raises(ConfigError, match="columns: knn9 not known"):
        write_report([tmp_path], tmp_path / "report.html", columns=["knn9"])
    np.savez(tmp_path / "run" / LATENT_POINTS, codes=np.zeros((5, 3), np.float32), labels=np.zeros(5, int))
    text = write_report([tmp_path], tmp_path / "report.html").read_text()  # a damaged file is named, not fatal
    assert re.search(r"latent_points.npz: ValueError: expected arrays .* codes of shape \(N, 2\); found codes \(5, 3\), "
                     r"labels \(5,\) \(shown without it\)", text)


def test_sweep_page_counts_and_marks(sweep_page):
    text = sweep_page.read_text()
    assert "4 runs in 2 configurations;" in text
    tables = Cells(text).tables
    assert [attrs["data-value"] for row in tables["summary"] if row for attrs, _ in row if attrs.get("class") == "seeds"] == ["2", "2"]
    better = {key: {"higher": max, "lower": min}[b] for key, _, b in COLUMNS}
    for name in ("summary", "runs"):
        rows = [row for row in tables[name] if row]
        for key in ("knn5_accuracy", "prior_mmd", "test/loss"):
            cells = [attrs for row in rows for attrs, _ in row if attrs.get("data-col") == key]
            values = [float(attrs["data-value"]) for attrs in cells]
            marked = [float(attrs["data-value"]) for attrs in cells if attrs.get("class") == "best"]
            # a loss is in each objective's own units: elbo's nats and mmd's MSE are not compared
            assert marked == ([] if key == "test/loss" else [better[key](values)]), (name, key)
    # the objectives' own options are not config columns (the model's name and the variant say them)
    assert 'data-key="model.kl"' not in text and 'data-key="model.kernel' not in text
    # ... and its column says so
    assert re.search(r'<th data-col="test/loss"[^>]*own units: not comparable[^>]*>[^<]*<span class="units">\(own units\)', text)


def test_embed_false_links_figures_and_loads_them_lazily(sweep_page, tmp_path):
    text = sweep_page.read_text()
    images = re.findall(r"<img [^>]*>", text)
    figures = [tag for tag in images if "zoom" in tag]
    assert len(figures) == 4 * 6 and all('loading="lazy"' in tag for tag in figures)  # five figures and a GIF per run
    for tag in figures:
        source = re.search(r'src="([^"]+)"', tag).group(1)
        assert not source.startswith("data:") and (sweep_page.parent / unquote(source.replace("&amp;", "&"))).is_file(), source
    side = sweep_page.parent / "report_files"
    scripts = sorted(p.name for p in side.iterdir())
    assert len(scripts) == 5 and scripts[-1] == "vega.js" and all(name.startswith("latent-") for name in scripts[:4])
    before = {p.name: p.stat().st_mtime_ns for p in side.iterdir()}
    write_report([sweep_page.parent], tmp_path / "again.html")  # another page's scripts do not touch these
    (sweep_page.parent / "0_model=elbo,seed=0" / LATENT_POINTS).touch()
    write_report([sweep_page.parent], sweep_page)  # written again: one run's latent view changed, the rest reused
    after = {p.name: p.stat().st_mtime_ns for p in side.iterdir()}
    assert len(after) == 5 and len(set(after) - set(before)) == 1
    assert sum(after[name] == before.get(name) for name in after) == 3  # three latent views kept (vega.js is rewritten)
    assert "data:image" not in text and sweep_page.stat().st_size < 150_000


def test_embed_true_is_one_self_contained_file(tmp_path):
    sweep = make_sweep(tmp_path)
    page = write_report([sweep], tmp_path / "embedded.html", embed=True)
    text = page.read_text()
    assert not (tmp_path / "embedded_files").exists()
    # self-contained: no script, style or image from elsewhere
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=\"(https?:)?//", text) and "embedded_files" not in text
    assert text.count("data:image/gif;base64,") == 4  # each run's animations/latent_evolution.gif
    latent = json.loads(re.search(r'id="spec-latent-0">(.*?)</script>', text).group(1))
    points = latent["data"]["values"]
    assert len(points) == 500 and all(p["image"].startswith("data:image/png;base64,") for p in points)
    weight = page.stat().st_size
    assert weight < 6e6, f"the page weighs {weight / 1e6:.1f} MB"


def chromium(width: int = 1400, height: int = 1000):
    chromium_path, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium_path and driver_path):
        missing("needs Debian's chromium and chromium-driver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium_path
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", f"--window-size={width},{height}",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(driver_path), options=options)


@pytest.fixture(scope="module")
def browser(sweep_page):
    driver = chromium()
    try:
        driver.get(sweep_page.as_uri())
        driver.execute_script("return document.fonts.ready")
        yield driver
    finally:
        driver.quit()


def wait(driver, script: str, *args, seconds: float = 20):
    """Until the script returns something true (charts draw asynchronously); its value."""
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, seconds).until(lambda d: d.execute_script(script, *args))


def rect(driver, element) -> dict:
    return driver.execute_script("return arguments[0].getBoundingClientRect().toJSON()", element)


@pytest.mark.slow
def test_key_columns_fit_a_1400_px_window(browser):
    from selenium.webdriver.common.by import By

    width = browser.execute_script("return document.documentElement.clientWidth")
    assert 1350 <= width <= 1400
    for table in ("summary", "runs"):
        headers = browser.find_elements(By.CSS_SELECTOR, f"#{table} th[data-col]")
        shown = [th for th in headers if th.is_displayed()]
        assert {th.get_attribute("data-col") for th in shown} == {key for key, _, _ in COLUMNS if key in KEY} & {
            th.get_attribute("data-col") for th in headers}
        assert len(shown) >= 5 and len(headers) > len(shown)  # the rest folded behind the column picker
        cells = browser.find_elements(By.CSS_SELECTOR, f"#{table} tbody td")
        assert len(browser.find_elements(By.CSS_SELECTOR, f"#{table} tbody tr")) == (2 if table == "summary" else 4)
        for element in [*shown, *(td for td in cells if td.is_displayed())]:
            box = rect(browser, element)
            assert 0 <= box["left"] and box["right"] <= width, (table, element.text, box)
    assert browser.execute_script("return document.documentElement.scrollWidth") <= width
    browser.save_screenshot(str(SCREENSHOT))
    browser.find_element(By.CSS_SELECTOR, "details.columns summary").click()  # a folded column comes back on request
    browser.find_element(By.CSS_SELECTOR, 'input.column[value="knn1_accuracy"]').click()
    assert all(th.is_displayed() for th in browser.find_elements(By.CSS_SELECTOR, 'th[data-col="knn1_accuracy"]'))
    browser.find_element(By.CSS_SELECTOR, 'input.column[value="knn1_accuracy"]').click()
    browser.find_element(By.CSS_SELECTOR, "details.columns summary").click()


@pytest.mark.slow
def test_ticked_runs_side_by_side(browser):
    from selenium.webdriver.common.by import By

    for box in browser.find_elements(By.CSS_SELECTOR, "input.pick"):
        if box.is_selected():
            box.click()
    assert browser.find_element(By.ID, "compare-hint").is_displayed()
    picks = browser.find_elements(By.CSS_SELECTOR, "input.pick")
    picks[1].click()
    picks[3].click()
    headings = [h.text for h in browser.find_elements(By.CSS_SELECTOR, "#compare-grid h3")]
    assert headings == ["elbo · seed 1", "mmd · seed 1"]
    first, second = (rect(browser, f) for f in browser.find_elements(By.CSS_SELECTOR, '#compare-grid figure[data-kind="latent"]'))
    assert first["top"] == second["top"] and first["right"] <= second["left"] and first["width"] == second["width"]
    wait(browser, "return !!(window.vaeViews.compare && window.vaeViews.compare.signal('picked').join() === '1,3'"
                  " && window.vaeViews['compare-latent-1'] && window.vaeViews['compare-latent-3'])")
    domains = browser.execute_script(
        "return [1, 3].map(function (i) { return window.vaeViews['compare-latent-' + i].scale('x').domain(); })")
    assert domains[0] == domains[1]  # the compared latent views share their axes
    elbo, mmd = browser.find_elements(By.CSS_SELECTOR, "input.pick-configuration")
    mmd.click()  # a configuration's box ticks its lowest seed
    assert picks[2].is_selected() and not elbo.is_selected()
    assert [h.text for h in browser.find_elements(By.CSS_SELECTOR, "#compare-grid h3")] == [*headings, "mmd · seed 0"]


@pytest.mark.slow
def test_a_figure_enlarges_on_click(browser):
    from selenium.webdriver.common.by import By

    thumbnail = browser.find_element(By.CSS_SELECTOR, "#card-0 img.zoom.latent")
    small = rect(browser, thumbnail)["width"]
    browser.execute_script("arguments[0].scrollIntoView()", thumbnail)
    thumbnail.click()
    lightbox = browser.find_element(By.ID, "lightbox")
    assert lightbox.is_displayed()
    big = lightbox.find_element(By.TAG_NAME, "img")
    assert big.get_attribute("src") == thumbnail.get_attribute("src")
    wait(browser, "return arguments[0].complete && arguments[0].naturalWidth > 0", big)
    assert rect(browser, big)["width"] == browser.execute_script("return arguments[0].naturalWidth", big) > 2 * small
    lightbox.click()
    assert not lightbox.is_displayed()


@pytest.mark.slow
def test_hovering_a_latent_point_shows_its_image(browser):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    wait(browser, "return document.querySelectorAll('#latent-0 g.mark-symbol.role-mark path').length === 500")
    points = browser.find_elements(By.CSS_SELECTOR, "#latent-0 g.mark-symbol.role-mark path")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", points[0])
    ActionChains(browser).move_to_element(points[0]).perform()
    tooltip = browser.find_element(By.ID, "vg-tooltip-element")
    assert tooltip.is_displayed() and "image | reconstruction" in tooltip.text
    image = tooltip.find_element(By.TAG_NAME, "img")
    assert image.get_attribute("src").startswith("data:image/png;base64,")
    assert browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth", image) == 2 * 28 + 2


@pytest.mark.slow
def test_a_one_run_report_has_no_compare_section_and_no_empty_chart(tmp_path):
    """One run: the Compare section is hidden; two runs, none ticked: the hint, and no curves of nothing."""
    from selenium.webdriver.common.by import By

    make_run(tmp_path / "one" / "run", "elbo", seed=0)
    one = write_report([tmp_path / "one"], tmp_path / "one.html")
    driver = chromium()
    try:
        driver.get(one.as_uri())
        wait(driver, "return document.readyState === 'complete'")
        assert not driver.find_element(By.ID, "compare").is_displayed()
        assert driver.execute_script("return !(window.vaeViews || {}).compare")
        sweep = make_sweep(tmp_path / "sweep")
        driver.get(write_report([sweep], tmp_path / "sweep.html").as_uri())
        for box in driver.find_elements(By.CSS_SELECTOR, "input.pick"):
            if box.is_selected():
                box.click()
        assert driver.find_element(By.ID, "compare").is_displayed() and driver.find_element(By.ID, "compare-hint").is_displayed()
        assert driver.find_element(By.ID, "compare-curves").get_attribute("innerHTML") == ""
    finally:
        driver.quit()


def test_mlflows_artifact_store_is_not_a_run(tmp_path):
    """tracker=mlflow's default store, outputs/mlartifacts/<experiment>/<run>/artifacts, holds copies of a run's
    config.yaml and metrics: `vae report outputs` and `load_runs("outputs")` skip it."""
    from vaecli.report.runs import scan
    from vaecli.run.api import load_runs

    outputs = tmp_path / "outputs"
    make_run(outputs / "run", "elbo", seed=0, points=0)
    shutil.copytree(outputs / "run", outputs / "mlartifacts" / "1" / "0a1b" / "artifacts")
    (outputs / "mlflow.db").write_bytes(b"")
    runs, damaged = scan([outputs])
    assert [run.path for run in runs] == [outputs / "run"] and damaged == []
    assert list(load_runs(outputs)["path"]) == [str(outputs / "run")]


@pytest.mark.slow
def test_report_says_what_it_wrote_beside_the_page_and_what_it_skipped(tmp_path):
    from conftest import run_vae

    outputs = tmp_path / "outputs"
    make_run(outputs / "run", "elbo", seed=0, points=0)
    shutil.copytree(outputs / "run", outputs / "mlartifacts" / "1" / "0a1b" / "artifacts")
    result = run_vae("report", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines.count(f"skipped {Path('outputs/mlartifacts')}: MLflow's artifact store (tracker=mlflow), "
                       "copies of runs' files, not runs") == 1, result.stdout
    assert lines[-1] == (f"report: {Path('outputs/report.html')}, with its scripts in {Path('outputs/report_files')}/ "
                         "beside it and the figures linked from the run folders; embed=true writes one file that "
                         "carries everything"), result.stdout
    assert (outputs / "report_files").is_dir()
    result = run_vae("report", "embed=true", "out=one.html", cwd=tmp_path)
    assert result.stdout.strip().splitlines()[-1] == "report: one.html (one file: its scripts and figures are inside)"
