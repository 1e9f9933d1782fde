"""`vae report`: one HTML page comparing every run found under some folders.

runs.py shapes the runs that vaecli.run reads (naming damaged files) and pools seeds; tables.py writes the tables (HTML and
Markdown); charts.py the interactive Vega-Lite charts; images.py the figures, linked or embedded; cards.py a
run's card; sweeps.py a sweep's job states and study.py its Optuna study; page.py puts the page together
(embed=false: figures linked and scripts beside the page; embed=true: one self-contained file); assets.py
holds its style and scripts.
"""

from .page import write_report
from .runs import Damaged, Entry, aggregate, find_runs, scan
from .tables import markdown_table

__all__ = ["Damaged", "Entry", "aggregate", "find_runs", "markdown_table", "scan", "write_report"]
