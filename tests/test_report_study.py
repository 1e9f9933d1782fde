"""`vae report` on an Optuna study (tests/report_big_study.py, a real study in SQLite, runs made without
training): the study's views from its storage, a runs table that sorts, filters and pages by config values and
metrics, and each run's provenance and status."""

from __future__ import annotations

import pytest
from conftest import missing
from report_big_study import make_study
from test_report_page import chromium, wait

from vaecli.report import write_report
from vaecli.report.study import load

RUNS = 8


@pytest.fixture(scope="module")
def study_page(tmp_path_factory):
    try:
        import optuna  # noqa: F401
    except ImportError:
        missing("needs optuna: pip install -e '.[sweep]'")
    sweep = make_study(tmp_path_factory.mktemp("study"), RUNS, points=30)
    return write_report([sweep], sweep / "report.html")


def test_the_study_is_read_from_its_storage(study_page):
    (study,) = load(study_page.parent)
    assert study.name == "elbo" and study.direction == "minimize" and len(study.trials) == RUNS
    assert "trainer.learning_rate" in study.log_params
    assert set(study.importances) == {"trainer.learning_rate", "trainer.batch_size", "latent_dim"}
    assert sum(study.importances.values()) == pytest.approx(1.0)
    text = study_page.read_text()
    assert "Optuna study elbo: 8 trials, 8 finished, minimize test/loss" in text


@pytest.mark.slow
def test_study_views_filter_page_and_provenance_in_the_browser(study_page):
    from selenium.webdriver.common.by import By

    driver = chromium()
    try:
        driver.get(study_page.as_uri())
        for view in ("history", "params", "importances"):
            wait(driver, f"return !!document.querySelector('.study[id$=\"-{view}\"] svg')")
        dots = driver.find_elements(By.CSS_SELECTOR, '.study[id$="-history"] .mark-symbol path')
        assert len(dots) == RUNS  # a dot per trial, and the best-so-far line
        assert driver.find_elements(By.CSS_SELECTOR, '.study[id$="-history"] .mark-line path')
        bars = driver.find_elements(By.CSS_SELECTOR, '.study[id$="-importances"] .mark-rect path')
        assert len(bars) == 3
        panels = driver.find_elements(By.CSS_SELECTOR, '.study[id$="-params"] .mark-symbol')
        assert len(panels) == 3  # a panel per parameter

        table = driver.find_element(By.ID, "runs")
        keys = [th.get_attribute("data-key") for th in table.find_elements(By.CSS_SELECTOR, "thead th")]
        assert {"trainer.learning_rate", "trainer.batch_size", "status", "test/loss"} <= set(keys)

        def visible(column: str) -> list[str]:
            index = keys.index(column)
            return [row.find_elements(By.TAG_NAME, "td")[index].get_attribute("data-value")
                    for row in table.find_elements(By.CSS_SELECTOR, "tbody tr") if row.is_displayed()]

        assert len(visible("seed")) == RUNS and set(visible("status")) == {"finished"}
        box = driver.find_element(By.ID, "filter")
        box.send_keys("trainer.learning_rate<0.001")
        rates = visible("trainer.learning_rate")
        assert 0 < len(rates) < RUNS and all(float(rate) < 0.001 for rate in rates)
        box.send_keys(" latent_dim=16")  # conditions combine
        assert all(float(r) < 0.001 for r in visible("trainer.learning_rate")) and set(visible("latent_dim")) <= {"16"}
        box.clear()
        box.send_keys("test/loss>250")  # a metric
        assert all(float(loss) > 250 for loss in visible("test/loss"))
        box.clear()
        box.send_keys("nosuchkey=1")
        assert visible("seed") == [] and "no column nosuchkey" in driver.find_element(By.ID, "shown-count").text
        box.clear()
        driver.execute_script("var t = document.getElementById('runs'); t.dataset.page = 3; t.refresh();")
        assert len(visible("seed")) == 3 and "page 1 of 3" in driver.find_element(By.ID, "pager").text
        header = next(th for th in table.find_elements(By.CSS_SELECTOR, "thead th")
                      if th.get_attribute("data-key") == "trainer.learning_rate")
        header.click()  # sorting spans every page: the first page holds the three smallest
        everything = sorted(float(td.get_attribute("data-value")) for td in table.find_elements(
            By.CSS_SELECTOR, f"tbody td:nth-child({keys.index('trainer.learning_rate') + 1})"))
        assert [float(v) for v in visible("trainer.learning_rate")] == everything[:3]

        driver.execute_script("document.getElementById('card-1').open = true")
        provenance = driver.find_element(By.CSS_SELECTOR, "#card-1 .provenance").text
        assert "git: 0123456789ab (dirty)" in provenance and "versions: tensorflow 2.16.1, keras 3.3.3" in provenance
        assert "data: sha256:feedbeef" in provenance and "command: vae train -m hparams_search=elbo" in provenance
        assert driver.find_element(By.CSS_SELECTOR, "#card-1 summary .state").text == "finished"
    finally:
        driver.quit()
