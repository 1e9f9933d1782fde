"""Issue 27, item 3: a report over runs of different kinds. Two VAE runs (they differ in learning rate), two real
`vae embed` maps (PCA, whitened or not) and MLflow's artifact store beside them, as `tracker=mlflow` leaves
outputs/: each kind shows its own config columns and no other, the maps are named by method and options, their
figure and interactive view say they are maps, and the store is no run. Made in seconds, no training."""

from __future__ import annotations

import shutil

import pytest
from report_runs import make_map, make_run
from test_report_page import Cells, chromium, rect, wait

from vaecli.report import write_report
from vaecli.report.runs import config_columns, scan


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    outputs = tmp_path_factory.mktemp("kinds") / "outputs"
    make_run(outputs / "elbo", "elbo", 0, points=200)
    make_run(outputs / "elbo_slow", "elbo", 0, points=200, overrides=("trainer.learning_rate=0.0005",))
    make_map(outputs / "pca")
    make_map(outputs / "pca_whiten", "method.whiten=true")
    shutil.copytree(outputs / "elbo", outputs / "mlartifacts" / "1" / "0a1b" / "artifacts")  # MLflow's copies
    (outputs / "mlflow.db").write_bytes(b"")
    return outputs


@pytest.fixture(scope="module")
def page(outputs):
    return write_report([outputs], outputs / "report.html")


NAMES = {"elbo · trainer.learning_rate=0.001", "elbo · trainer.learning_rate=0.0005",
         "pca · method.whiten=False", "pca · method.whiten=True"}


def test_each_kind_has_its_own_columns_and_maps_are_named_by_method_and_options(outputs, page):
    runs, damaged = scan([outputs])
    assert damaged == [] and sorted(run.path.name for run in runs) == ["elbo", "elbo_slow", "pca", "pca_whiten"]
    assert sorted(run.kind for run in runs) == ["embedding", "embedding", "vae", "vae"]
    # the VAEs differ in learning rate, the maps in whitening: nothing else of either kind is a column
    assert sorted(config_columns(runs)) == ["method.whiten", "trainer.learning_rate"]
    text = page.read_text()
    cells = Cells(text).tables
    names = {attrs["data-value"] for row in cells["summary"] for attrs, _ in row if attrs.get("class") == "run"}
    assert names == NAMES, names
    assert "4 runs in 4 configurations;" in text
    assert "All share dataset=mnist, latent_dim=2, train_size=all; the VAE runs epochs=3." in text
    assert text.count("<figcaption>pca map of the test images</figcaption>") == 2 and "latent (0 epochs)" not in text
    assert "mlartifacts" not in text  # the store's copy of a run is not a run


@pytest.mark.slow
def test_the_mixed_report_in_a_browser(page):
    from selenium.webdriver.common.by import By

    driver = chromium()  # 1400 x 1000
    try:
        driver.get(page.as_uri())
        wait(driver, "return !!window.vaeTableReady")
        # the runs table fits the window: its metrics are on screen, not behind a horizontal scrollbar
        for table in ("summary", "runs"):
            box = driver.execute_script(f"var s = document.getElementById('{table}').parentElement;"
                                        "return [s.scrollWidth, s.clientWidth]")
            assert box[0] <= box[1], (table, box)
        width = driver.execute_script("return document.documentElement.clientWidth")
        headers = driver.find_elements(By.CSS_SELECTOR, "#runs thead th")
        keys = [th.get_attribute("data-key") for th in headers]
        assert [k for k in keys if "." in k] == ["trainer.learning_rate", "method.whiten"], keys
        knn = next(th for th in headers if th.get_attribute("data-key") == "knn5_accuracy")
        assert knn.is_displayed() and rect(driver, knn)["right"] <= width
        # a map's card: its figure captioned as a map, its interactive view a map of classes on its own axes
        card = next(c for c in driver.find_elements(By.CSS_SELECTOR, "details.card")
                    if c.find_elements(By.CSS_SELECTOR, ".latent.map"))
        assert "map of the test images" in card.find_element(By.TAG_NAME, "figcaption").text
        view = card.find_element(By.CSS_SELECTOR, ".latent.map").get_attribute("id")
        texts = wait(driver, f"var v = document.querySelectorAll('#{view} svg text');"
                             "return v.length && Array.from(v).map(function (t) { return t.textContent; })")
        assert "PC 1" in texts and "PC 2" in texts and any("pca map of" in t for t in texts), texts
        # tick a VAE and a map: both latent views drawn side by side, the map on its own axes
        for box in driver.find_elements(By.CSS_SELECTOR, "input.pick"):
            if box.is_selected():
                box.click()
        labels = [a.text for a in driver.find_elements(By.CSS_SELECTOR, "#runs td.run a")]
        picks = driver.find_elements(By.CSS_SELECTOR, "#runs input.pick")
        for wanted in ("elbo", "pca"):
            picks[next(i for i, label in enumerate(labels) if label.startswith(wanted))].click()
        cells = driver.find_elements(By.CSS_SELECTOR, "#compare-grid .compare-latent")
        assert len(cells) == 2
        wait(driver, "return document.querySelectorAll('#compare-grid .compare-latent svg').length === 2")
        axes = driver.execute_script("return Array.from(document.querySelectorAll('#compare-grid .compare-latent'))"
                                     ".map(function (c) { return Array.from(c.querySelectorAll('.role-axis-title text'))"
                                     ".map(function (t) { return t.textContent; }); })")
        assert sorted(axes) == [["PC 1", "PC 2"], ["z[0]", "z[1]"]], axes
        captions = [f.text for f in driver.find_elements(By.CSS_SELECTOR, '#compare-grid figure[data-kind="latent"] figcaption')]
        assert len(captions) == 2 and any("map of the test images" in c for c in captions), captions
    finally:
        driver.quit()
