"""LibreOffice headless for tests: convert many files per call, with a private profile
that makes Calc recalculate every formula on load (OOXMLRecalcMode = 0, "always")."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

PROFILE_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def soffice_or_skip() -> str:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe:
        return exe
    if os.environ.get("CI") == "true":
        pytest.fail("LibreOffice (soffice) is missing under CI; `make test` installs libreoffice-calc-nogui")
    pytest.skip("LibreOffice (soffice) is not installed; `make test` installs it when run as root")


def convert(files: list[Path], outdir: Path, target: str, profile: Path) -> list[Path]:
    """Convert ``files`` to ``target`` (e.g. "xlsx", "pdf") in one soffice call."""
    exe = soffice_or_skip()
    user = profile / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(PROFILE_XCU)
    outdir.mkdir(parents=True, exist_ok=True)
    cmd = [exe, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore", "--nologo",
           "--convert-to", target, "--outdir", str(outdir), *map(str, files)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    outs = [outdir / (Path(f).stem + "." + target.split(":")[0]) for f in files]
    missing = [o for o in outs if not o.exists()]
    assert not missing, f"LibreOffice did not convert {missing}: {proc.stdout} {proc.stderr}"
    return outs


def recalculated_formulas(sources: list[Path], outdir: Path, profile: Path, skip=lambda formula: False):
    """Recalculate ``sources`` in LibreOffice and yield, for every formula cell we wrote,
    (file name, sheet!cell, formula, our cached value, LibreOffice's value)."""
    import openpyxl

    recalculated = convert(sources, outdir, "xlsx:Calc MS Excel 2007 XML", profile)
    for ours, theirs in zip(sources, recalculated):
        formulas = openpyxl.load_workbook(ours)
        cached = openpyxl.load_workbook(ours, data_only=True)
        recalc = openpyxl.load_workbook(theirs, data_only=True)
        for ws in formulas.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    if isinstance(c.value, str) and c.value.startswith("=") and not skip(c.value):
                        yield (ours.name, f"{ws.title}!{c.coordinate}", c.value, cached[ws.title][c.coordinate].value,
                               recalc[ws.title][c.coordinate].value)


def profile_with_extension(oxt: Path, base: Path) -> Path:
    """A private profile under ``base`` with the extension installed and recalculation on
    load. ``unopkg`` refuses a per-profile install as root, so as root the profile belongs to
    the user nobody (``base`` must then be outside root-only folders)."""
    profile = base / "profile"
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(PROFILE_XCU)
    cmd = ["unopkg", "add", f"-env:UserInstallation=file://{profile}", str(oxt)]
    if os.geteuid() == 0:
        for path in (base, *base.rglob("*")):
            shutil.chown(path, "nobody")
        cmd = ["runuser", "-u", "nobody", "--", "env", f"HOME={profile}", *cmd]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=base)
    if done.returncode != 0:
        raise RuntimeError(f"unopkg add failed: {done.stdout} {done.stderr}")
    return profile
