"""The batch as a user installs it: the wheel `make wheel` builds, installed with its ``batch``
extra into a fresh virtual environment and run from outside the source tree. The rest of the
suite runs the editable install, which reads templates/ and the catalogue where they lie in the
repository; this is the test that the wheel carries them (issue 27: TemplateNotFound)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from workbooks.demo import DEFAULT_END
from workbooks.i18n import language

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("pyproject.toml", "README.md", "addin", "workbooks", "generators", "templates")
REPORT_TITLE = "Monthly sales report: {who}, {month}"   # a message of the zh_CN catalogue


def build_wheel(folder: Path) -> Path:
    """The wheel, built from a copy of what pyproject.toml packages (not in the repository's
    build/ folder, which another test or `make wheel` may be using at the same time)."""
    src = folder / "src"
    src.mkdir(parents=True)
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(ROOT / name, src / name)
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                           "-w", str(folder / "dist"), str(src)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return next((folder / "dist").glob("salesdesk-*.whl"))


def run(args: list, cwd: Path, code: int = 0) -> subprocess.CompletedProcess:
    """A command as a user runs it: from ``cwd``, with no PYTHONPATH or source tree around;
    it exits with ``code``."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["SALESDESK_CACHE_DIR"] = str(cwd / "cache")
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == code, (args, done.stdout[-2000:], done.stderr[-3000:])
    return done


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def rep_name(book: Path, rep_id: str) -> str:
    rows = openpyxl.load_workbook(book, read_only=True)["Reps"].iter_rows(values_only=True)
    header = next(rows)
    return next(dict(zip(header, row))["name"] for row in rows if row[header.index("rep_id")] == rep_id)


def test_the_wheel_carries_the_templates_and_the_catalogue(tmp_path):
    wheel = build_wheel(tmp_path)
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
    shipped = {f"generators/templates/{p.name}" for p in (ROOT / "templates").iterdir() if p.is_file()}
    catalogues = {f"workbooks/locale/{p.name}" for p in (ROOT / "workbooks" / "locale").glob("*.po")}
    assert "generators/templates/report.html.j2" in shipped and "workbooks/locale/zh_CN.po" in catalogues
    assert shipped | catalogues <= names, sorted((shipped | catalogues) - names)
    assert not any(n.startswith(("templates/", "docs/", "tests/")) for n in names)   # nothing loose in site-packages


@pytest.mark.slow
def test_the_batch_runs_from_the_installed_wheel_outside_the_source_tree(tmp_path):
    wheel = build_wheel(tmp_path / "build")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    py, salesdesk = venv / "bin" / "python", venv / "bin" / "salesdesk"
    run([py, "-m", "pip", "install", "-q", f"{wheel}[batch]"], tmp_path)
    where = run([py, "-c", "import addin, generators, workbooks, generators.report_html as h; "
                 "print(addin.__file__, generators.__file__, workbooks.__file__, h.TEMPLATES, sep='\\n')"],
                tmp_path).stdout.split()
    for path in where:   # the installed package, never the source tree
        assert Path(path).resolve().is_relative_to(venv.resolve()), where
    assert Path(where[-1]).name == "templates" and (Path(where[-1]) / "report.html.j2").is_file()

    out = tmp_path / "out"
    run([salesdesk, "demo", "--out", out], tmp_path)          # every template: reports, dashboard, statements, mail
    month = out / DEFAULT_END[:7]
    name = rep_name(out / "demo-sales.xlsx", "R0001")
    assert name in (month / "reps" / "R0001.html").read_text(encoding="utf-8")
    assert name in pdf_text(month / "reps" / "R0001.pdf")
    assert name in (month / "index.html").read_text(encoding="utf-8")
    assert name in pdf_text(month / "commissions" / "R0001.pdf")
    assert any(name in eml.read_text(encoding="utf-8", errors="replace")
               for eml in (month / "outbox").glob("rep-R0001-*.eml"))

    zh = tmp_path / "zh"                                       # the catalogue, read from the installed package
    run([salesdesk, "reports", out / "demo-sales.xlsx", "--month", DEFAULT_END[:7], "--out", zh,
         "--formats", "xlsx,html,pdf", "--only", "R0001", "--lang", "zh-CN"], tmp_path)
    t = language("zh-CN")
    title = t(REPORT_TITLE, who=f"{name} (R0001)", month=t.month(DEFAULT_END[:7]))
    assert title != language("en")(REPORT_TITLE, who=f"{name} (R0001)", month=t.month(DEFAULT_END[:7]))
    assert title in (zh / DEFAULT_END[:7] / "reps" / "R0001.html").read_text(encoding="utf-8")
    assert (zh / DEFAULT_END[:7] / "reps" / "R0001.pdf").stat().st_size > 1000

    docs = run([salesdesk, "docs"], tmp_path, code=2)          # for developers: rewrites the checkout's docs/
    assert "source checkout" in docs.stderr and "nothing was written" in docs.stderr
    assert not any(venv.rglob("workbook.md"))
