"""`vae report`: one self-contained HTML page comparing every run found under some folders.

runs.py reads the run folders and pools seeds; tables.py writes the tables (HTML and Markdown);
charts.py the interactive Vega-Lite charts; images.py the embedded images; sweeps.py a sweep's job
states and Optuna study; page.py puts the page together; assets.py holds its style and script.
"""

from .page import write_report
from .runs import Run, aggregate, find_runs
from .tables import markdown_table

__all__ = ["Run", "aggregate", "find_runs", "markdown_table", "write_report"]
