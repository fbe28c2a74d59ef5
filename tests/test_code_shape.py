"""The code reads in an afternoon: no function or method in the tree is over 80 lines or
over cyclomatic complexity 20 (radon), and imports go one way."""
from __future__ import annotations

import ast
from pathlib import Path

from radon.complexity import cc_visit

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("addin", "workbooks", "generators", "bench", "scripts", "tests")
MAX_LINES, MAX_COMPLEXITY = 80, 20


def _functions():
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            for block in cc_visit(path.read_text(encoding="utf-8")):
                for f in [block, *getattr(block, "methods", [])]:
                    if type(f).__name__ == "Function":
                        yield path.relative_to(ROOT), f


def test_no_function_is_over_80_lines_or_complexity_20():
    found = list(_functions())
    assert len(found) > 300                     # the walk saw the tree
    too_big = [f"{path}:{f.lineno} {f.name}: {f.endline - f.lineno + 1} lines, complexity {f.complexity}"
               for path, f in found if f.endline - f.lineno + 1 > MAX_LINES or f.complexity > MAX_COMPLEXITY]
    assert not too_big, "\n".join(too_big)


def test_imports_go_one_way():
    """generators -> workbooks -> addin; never back."""
    allowed = {"addin": {"addin"}, "workbooks": {"addin", "workbooks"},
               "generators": {"addin", "workbooks", "generators"}}
    wrong = []
    for top, may in allowed.items():
        for path in (ROOT / top).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                    [node.module] if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 else []
                for name in names:
                    first = name.split(".")[0]
                    if first in allowed and first not in may:
                        wrong.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not wrong, "\n".join(wrong)


def test_every_module_imports():
    """A moved module or a stale import fails here, not in a user's command."""
    import importlib
    names = [".".join(p.relative_to(ROOT).with_suffix("").parts) for top in ("addin", "workbooks", "generators")
             for p in (ROOT / top).rglob("*.py")]
    for name in sorted(n.removesuffix(".__init__") for n in names):
        importlib.import_module(name)
    assert len(names) > 40
