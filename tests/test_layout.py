"""The package layout: imports flow one way between qa's folders, every folder says its job, and the package
imports from anywhere, the parent folder of a clone named `qa` included."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import qa

PACKAGE = Path(qa.__file__).resolve().parent
ROOT = PACKAGE.parent
# A module may import its own folder and folders of a lower rank, never one of the same rank or above
# (ingest, search and vectors are peers: none knows the others). Each folder's __init__ says the same.
RANK = {
    "shared": 0,  # qa/__init__, qa.errors, qa.models, qa.settings: the vocabulary every stage speaks
    "util": 1,
    "ingest": 2,
    "search": 2,
    "vectors": 2,
    "storage": 3,
    "answering": 4,
    "api": 5,
    "evaluation": 6,
    "rag": 6,
    "client": 6,
    "cli": 7,
    "web": 7,
    "__main__": 8,
}
SHARED = {"__init__", "errors", "models", "settings"}


def group(module: str) -> str:
    """`qa.search.engine` -> `search`; `qa.models` and `qa` -> `shared`; `qa.api` -> `api`."""
    parts = module.split(".")
    if len(parts) == 1 or parts[1] in SHARED:
        return "shared"
    return parts[1]


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def qa_imports(tree: ast.AST) -> set[str]:
    """The qa modules a module imports (at the top or inside functions); `from qa.x import name` counts as
    qa.x.name when that is a module of the package, else as qa.x."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name == "qa" or a.name.startswith("qa.")}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module != "qa" and not node.module.startswith("qa."):
                continue
            for a in node.names:
                child = f"{node.module}.{a.name}"
                found.add(child if _is_module(child) else node.module)
    return found


def _is_module(name: str) -> bool:
    path = PACKAGE.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def violations(module: str, source: str) -> list[str]:
    """Every import of `module` that goes to a folder of the same or a higher rank."""
    own = group(module)
    out = []
    for target in sorted(qa_imports(ast.parse(source))):
        other = group(target)
        if other != own and RANK[other] >= RANK[own]:
            out.append(f"{module} ({own}) imports {target} ({other})")
    return out


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_folder_and_top_module_has_a_rank():
    groups = {group(module_name(path)) for path in MODULES}
    assert groups <= set(RANK), f"place these in RANK (and say so in their __init__): {sorted(groups - set(RANK))}"


def test_imports_flow_one_way_between_folders():
    found = [v for path in MODULES for v in violations(module_name(path), path.read_text(encoding="utf-8"))]
    assert found == []


@pytest.mark.parametrize(
    "module,source,expected",
    [
        ("qa.search.engine", "from qa.api import QA", ["qa.search.engine (search) imports qa.api (api)"]),
        (
            "qa.ingest.corpus",
            "def f():\n    from qa.search import analyzer",
            ["qa.ingest.corpus (ingest) imports qa.search.analyzer (search)"],
        ),
        ("qa.util.workers", "import qa.storage.index", ["qa.util.workers (util) imports qa.storage.index (storage)"]),
        ("qa.models", "from qa.web import app", ["qa.models (shared) imports qa.web.app (web)"]),
        ("qa.storage.index", "from qa import settings\nfrom qa.search.engine import Engine", []),
        ("qa.search.engine", "from qa.search import bm25, fusion", []),
        ("qa.cli", "from qa.api import QA\nfrom qa.evaluation import beir", []),
    ],
)
def test_the_direction_check_names_each_upward_import(module, source, expected):
    assert violations(module, source) == expected


@pytest.mark.parametrize("folder", sorted(p.parent.name for p in PACKAGE.glob("*/__init__.py")))
def test_every_folder_says_its_job_and_what_it_may_import(folder):
    doc = ast.get_docstring(ast.parse((PACKAGE / folder / "__init__.py").read_text(encoding="utf-8")))
    assert doc and len(doc) > 80 and "import" in doc


def test_the_package_imports_from_the_parent_folder_of_a_clone_named_qa(tmp_path):
    """The current folder holds a `qa` directory (the clone) without __init__.py; the installed package
    must still be the one imported, with its submodules (not the clone's index/ folder as qa.index): the
    editable install is a path entry (Makefile), whose regular package wins over a namespace portion."""
    (tmp_path / "qa").symlink_to(ROOT, target_is_directory=True)
    code = (
        "from pathlib import Path; from qa.api import QA; import qa, qa.storage.index as i; "
        "print(Path(qa.__file__).resolve()); print(Path(i.__file__).resolve())"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [str(PACKAGE / "__init__.py"), str(PACKAGE / "storage" / "index.py")]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_a_module_over_400_lines_says_why_it_is_one_module(path):
    text = path.read_text(encoding="utf-8")
    if text.count("\n") > 400:
        doc = ast.get_docstring(ast.parse(text)) or ""
        assert "Why one module of this size:" in doc, "split it, or say why in its docstring"


def test_the_license_is_an_spdx_expression():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "MIT"
