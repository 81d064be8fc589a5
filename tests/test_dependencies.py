"""Every third-party module the core imports is a declared dependency (issue 8 §1: numpy was used by
candidates, matching and model but not declared, so a bare install failed on the README's first
command). Modules used only at the edge (adapters: pandas, recordlinkage) belong to an extra."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# modules of the package that only run when the caller installed an extra (and say which)
EDGE_MODULES = {"adapters.py"}
# import name → distribution name where they differ
DIST = {"yaml": "pyyaml"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def _declared() -> dict[str, set[str]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    name = lambda spec: re.split(r"[<>=!~\[; ]", spec, maxsplit=1)[0].lower()  # noqa: E731
    out = {"core": {name(s) for s in project["dependencies"]}}
    for extra, specs in project["optional-dependencies"].items():
        out[extra] = {name(s) for s in specs}
    return out


def test_every_core_import_is_a_declared_dependency():
    declared = _declared()
    missing = {}
    for path in sorted((ROOT / "reconcile").rglob("*.py")):
        if path.name in EDGE_MODULES:
            continue
        for mod in _imports(path):
            if mod in sys.stdlib_module_names or mod in ("reconcile", "__future__"):
                continue
            if DIST.get(mod, mod).lower() not in declared["core"]:
                missing.setdefault(mod, []).append(path.name)
    assert not missing, f"imported by the core but not in [project] dependencies: {missing}"
    assert "numpy" in declared["core"]


def test_edge_imports_are_in_an_extra():
    declared = _declared()
    for path in (ROOT / "reconcile" / name for name in EDGE_MODULES):
        for mod in _imports(path) - set(sys.stdlib_module_names) - {"reconcile", "__future__", "polars"}:
            assert any(mod in specs for extra, specs in declared.items() if extra != "core"), mod
