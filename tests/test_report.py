"""`vae report` over a real sweep: grouping, seed averages, and the page in a real browser."""

import re
import shutil
import statistics

import pytest
from conftest import missing, run_vae

from vaecli.errors import ConfigError, DataError
from vaecli.report import aggregate, find_runs, write_report
from vaecli.run import names

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
FIGURES = ["latent", "grid", "samples", "reconstructions", "traversal"]


@pytest.mark.slow
def test_runs_are_grouped_and_seeds_averaged(tiny_sweep):
    runs = find_runs([tiny_sweep.parent])
    assert len(runs) == 4 and {r.group for r in runs} == {str(tiny_sweep)}
    rows = aggregate(runs)
    assert sorted((r["model"], sorted(r["seeds"])) for r in rows) == [("elbo", [0, 1]), ("mmd", [0, 1])]
    for row in rows:
        per_seed = [run.values["knn5_accuracy"] for run in row["runs"]]
        mean, sd, n = row["summary"]["knn5_accuracy"]
        assert n == 2 and mean == pytest.approx(statistics.fmean(per_seed)) and sd == pytest.approx(statistics.stdev(per_seed))


@pytest.mark.slow
def test_a_resumed_seed_stays_in_its_configuration(tiny_sweep, tmp_path):
    # A sweep that resumes a job records `resume: <its folder>` in that job's config; its seeds still pool.
    sweep = shutil.copytree(tiny_sweep, tmp_path / "sweep")
    (resumed,) = [p for p in sweep.iterdir() if (p / names.CONFIG).is_file() and "resume: null" in (p / names.CONFIG).read_text()][:1]
    config = resumed / names.CONFIG
    config.write_text(config.read_text().replace("resume: null", f"resume: {resumed}"))
    rows = aggregate(find_runs([sweep]))
    assert sorted((r["model"], sorted(r["seeds"])) for r in rows) == [("elbo", [0, 1]), ("mmd", [0, 1])]


@pytest.mark.slow
def test_markdown_table(tiny_sweep, tmp_path):
    write_report([tiny_sweep], tmp_path / "r.html", markdown=tmp_path / "t.md")
    lines = (tmp_path / "t.md").read_text().splitlines()
    assert lines[0].startswith("| group | model | dataset |") and "5-NN acc. ↑" in lines[0]
    assert len(lines) == 4 and all(" ± " in line for line in lines[2:])  # two configurations of two seeds
    cells = [len(re.findall(r"(?<!\\)\|", line)) for line in lines]  # unescaped separators, e.g. not in |code mean|
    assert len(set(cells)) == 1, cells
    assert "s / epoch ↓" in lines[0] and "recon. (own likelihood) ↓" in lines[0]
    write_report([tiny_sweep], tmp_path / "r.html", markdown=tmp_path / "c.md", columns=["knn5_accuracy", "epoch_seconds"])
    assert (tmp_path / "c.md").read_text().splitlines()[0].endswith("| seeds | 5-NN acc. ↑ | s / epoch ↓ |")
    with pytest.raises(ConfigError, match="columns: knn9 not known"):
        write_report([tiny_sweep], tmp_path / "r.html", markdown=tmp_path / "c.md", columns=["knn9"])


def test_empty_folder_is_an_error(tmp_path):
    with pytest.raises(DataError, match="no vaecli runs under"):
        write_report([tmp_path], tmp_path / "report.html")


@pytest.fixture(scope="module")
def page(tiny_sweep, tmp_path_factory):
    sweep = shutil.copytree(tiny_sweep, tmp_path_factory.mktemp("report") / tiny_sweep.name)  # the shared sweep stays as built
    result = run_vae("report", str(sweep), cwd=sweep)
    assert result.returncode == 0, result.stderr
    return sweep / "report.html"


@pytest.mark.slow
def test_page_in_a_headless_browser(page):
    if not (CHROMIUM and CHROMEDRIVER):
        missing("needs Debian's chromium and chromium-driver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        driver.get(page.as_uri())
        assert driver.title == "vaecli runs"
        from selenium.webdriver.support.ui import WebDriverWait

        WebDriverWait(driver, 20).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".card .curves svg")) == 4)
        cards = driver.find_elements(By.CSS_SELECTOR, "details.card")
        assert len(cards) == 4  # a card per run, each with its five figures and its curves
        for card in cards:
            assert {img.get_attribute("alt") for img in card.find_elements(By.TAG_NAME, "img")} >= set(FIGURES)
        images = driver.find_elements(By.CSS_SELECTOR, "img.zoom")
        assert images and all(img.get_attribute("loading") == "lazy" for img in images)  # linked, loaded when seen
        for img in images:
            driver.execute_script("arguments[0].scrollIntoView()", img)
            WebDriverWait(driver, 10).until(lambda d, img=img: d.execute_script(
                "return arguments[0].complete && arguments[0].naturalWidth > 0", img))
        table = driver.find_element(By.ID, "runs")
        header = next(th for th in table.find_elements(By.TAG_NAME, "th") if th.text.startswith("5-NN"))
        column = [th.text for th in table.find_elements(By.TAG_NAME, "th")].index(header.text)

        def column_values():
            return [float(row.find_elements(By.TAG_NAME, "td")[column].get_attribute("data-value"))
                    for row in table.find_elements(By.CSS_SELECTOR, "tbody tr")]

        header.click()
        assert column_values() == sorted(column_values()) and "asc" in header.get_attribute("class")
        header.click()
        assert column_values() == sorted(column_values(), reverse=True)
        links = [a.get_attribute("href") for a in table.find_elements(By.TAG_NAME, "a")]
        assert len(links) == 4 and all(link.startswith("file://") for link in links)
    finally:
        driver.quit()
