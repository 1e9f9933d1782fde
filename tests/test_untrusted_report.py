"""Issue 24, classes 7 and 10 as `vae report` meets them: a run folder named like a URL scheme links as an encoded
relative path; a diverged seed (NaN) is left out of mean ± sd and named; the runs table's filters match no NaN."""

from __future__ import annotations

import math
import re

import pytest
from report_runs import make_run

from vaecli.report import write_report
from vaecli.run import names

HOSTILE_NAME = "javascript:alert(1)"


def test_a_run_folder_named_like_a_scheme_links_as_an_encoded_relative_path(tmp_path):
    from vaecli.report.images import href

    run = make_run(tmp_path / "runs" / HOSTILE_NAME, "elbo", 0, points=50)
    assert href(run / names.FIGURES / "a.png", tmp_path) == "./runs/javascript%3Aalert%281%29/figures/a.png"
    assert href(run, tmp_path / "runs") == "./javascript%3Aalert%281%29"
    page = write_report([tmp_path / "runs"], tmp_path / "report.html").read_text()
    targets = re.findall(r'(?:href|src)\s*=\s*"([^"]*)"', page, flags=re.IGNORECASE)
    assert targets and not [t for t in targets if re.match(r"\s*javascript:", t, flags=re.IGNORECASE)]
    assert "javascript%3Aalert%281%29" in page


@pytest.fixture
def diverged_runs(tmp_path):
    """Three seeds of one configuration; seed 2 diverged (its metrics NaN and inf)."""
    for seed, knn in ((0, 0.8), (1, 0.6), (2, math.nan)):
        make_run(tmp_path / "runs" / f"seed{seed}", "elbo", seed, points=50,
                 metrics={"knn5_accuracy": knn, "active_units": math.inf if seed == 2 else 2.0})
    return tmp_path / "runs"


def test_a_diverged_seed_is_left_out_of_mean_and_sd_and_named(diverged_runs, tmp_path):
    from vaecli.report.runs import aggregate, find_runs

    (row,) = aggregate(find_runs([diverged_runs]))
    mean, sd, n = row["summary"]["knn5_accuracy"]
    assert (mean, n) == (pytest.approx(0.7), 2) and sd == pytest.approx(math.sqrt(0.02))
    assert row["diverged"] == {"knn5_accuracy": [2], "active_units": [2]}
    page = write_report([diverged_runs], tmp_path / "report.html").read_text()  # no internal error while pooling
    assert "diverged" in page


@pytest.mark.slow
def test_the_runs_table_filter_matches_no_nan(diverged_runs, tmp_path):
    from selenium.webdriver.common.by import By
    from test_report_page import chromium, wait

    page = write_report([diverged_runs], tmp_path / "report.html")
    driver = chromium()
    try:
        driver.get(page.as_uri())
        wait(driver, "return !!document.getElementById('filter')")
        table = driver.find_element(By.ID, "runs")
        keys = [th.get_attribute("data-key") for th in table.find_elements(By.CSS_SELECTOR, "thead th")]
        column = next(key for key in keys if key and key.endswith("knn5_accuracy"))

        def shown_seeds() -> list[str]:
            index = keys.index("seed")
            return sorted(row.find_elements(By.TAG_NAME, "td")[index].get_attribute("data-value")
                          for row in table.find_elements(By.CSS_SELECTOR, "tbody tr") if row.is_displayed())

        box = driver.find_element(By.ID, "filter")
        assert shown_seeds() == ["0", "1", "2"]
        for condition in (f"{column}>0.3", f"{column}>=0", f"{column}<1", f"{column}<=1"):
            box.clear()
            box.send_keys(condition)
            assert shown_seeds() == ["0", "1"], condition  # NaN passes no comparison
    finally:
        driver.quit()
