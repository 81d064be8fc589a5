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
# parts of the package that only run when the caller installed an extra: path inside reconcile/ →
# the extra that must declare their imports (None: any extra)
EDGE = {"adapters.py": None, "app/": "app"}


def _edge_extra(path: Path):
    rel = path.relative_to(ROOT / "reconcile").as_posix()
    for prefix, extra in EDGE.items():
        if rel == prefix or (prefix.endswith("/") and rel.startswith(prefix)):
            return True, extra
    return False, None
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
        if _edge_extra(path)[0]:
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
    edge = [p for p in sorted((ROOT / "reconcile").rglob("*.py")) if _edge_extra(p)[0]]
    assert any(p.parts[-2] == "app" for p in edge)
    for path in edge:
        extra = _edge_extra(path)[1]
        for mod in _imports(path) - set(sys.stdlib_module_names) - declared["core"] - {"reconcile", "__future__"}:
            if extra is None:
                assert any(mod in specs for x, specs in declared.items() if x != "core"), (path.name, mod)
            else:
                assert DIST.get(mod, mod).lower() in declared[extra], (path.name, mod, extra)
