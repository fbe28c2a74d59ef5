"""Batch jobs over the sales workbook: reports, commissions, reconciliation, mail, the CLI."""
from pathlib import Path


def templates_folder() -> Path:
    """The jinja2 and Typst templates. Installed from a wheel they are the package's own
    ``generators/templates`` (pyproject.toml maps the repository's top-level ``templates/`` onto
    it); in the source tree and an editable install they are read where they are, the top-level
    ``templates/`` beside this package."""
    here = Path(__file__).resolve().parent
    installed = here / "templates"
    return installed if installed.is_dir() else here.parent / "templates"
