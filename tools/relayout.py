#!/usr/bin/env python3
"""Move qa's flat modules into sub-packages named after the pipeline's stages, and rewrite every reference.

    python3 tools/relayout.py             # git mv + rewrite, in the repository this file sits in
    python3 tools/relayout.py --no-git    # plain moves, for `git filter-branch --tree-filter` (NOTES-layout.md)
    python3 tools/relayout.py --root DIR  # another checkout

What it does, in this order, always the same way (it is deterministic, and re-running it changes nothing):

1. `qa/<module>.py` -> `qa/<stage>/<module>.py` by TABLE (`git mv`); the modules in TOP and `qa/web/` stay
   where they are. The package stays at the top of the repository (the design fixes qa/, corpus/, index/,
   tests/ there).
2. Each stage gets an `__init__.py` whose docstring says its job and what it may import (PACKAGES).
3. Every reference is rewritten in the Python files of qa/, tests/, bench/, eval/, wsgi.py and in Makefile,
   pyproject.toml and the Markdown files: `from qa.x import`, `from qa import x` (split by stage),
   `import qa.x`, and `qa.x` / `qa/x.py` inside strings and comments (monkeypatch targets, logger names,
   module names in docs). Code such as `qa.semantic` where `qa` is a variable is left alone.
4. `ruff check --select I --fix` and `ruff format` on the Python files it changed (imports re-sorted).

A module of qa/ that is in neither TABLE nor TOP stops the run before anything is touched: add it to
TABLE (its stage) here, or pass `--place name=stage`.
"""

from __future__ import annotations

import argparse
import ast
import io
import os
import re
import shutil
import subprocess
import sys
import textwrap
import tokenize
from pathlib import Path

# module -> the stage (sub-package of qa) it moves to. A stage's name is never an old module's name, so a
# rewritten reference (`qa.storage.index`) never matches an old one (`qa.index`) again: re-runs are no-ops.
TABLE: dict[str, str] = {
    # plumbing every stage shares
    "hashing": "util",
    "lru": "util",
    "progress": "util",
    "workers": "util",
    "buildcache": "util",
    # files -> Corpus
    "textmap": "ingest",
    "htmltext": "ingest",
    "reader": "ingest",
    "lexicon": "ingest",
    "repair": "ingest",
    "structure": "ingest",
    "references": "ingest",
    "passages": "ingest",
    "corpus": "ingest",
    # lexical ranking
    "analyzer": "search",
    "postings": "search",
    "vocabulary": "search",
    "bm25": "search",
    "tfidf": "search",
    "spelling": "search",
    "fusion": "search",
    "engine": "search",
    "wordstats": "search",
    # sentence vectors
    "encoder": "vectors",
    "encoding": "vectors",
    "ann": "vectors",
    "semantic": "vectors",
    # the index folder
    "store": "storage",
    "index": "storage",
    # results -> an answer
    "citations": "answering",
    "answer": "answering",
    "abstention": "answering",
    "intent": "answering",
    # scoring against question sets
    "evaluate": "evaluation",
    "beir": "evaluation",
    "medquad": "evaluation",
    # what a retrieval-augmented generation pipeline plugs in: framework retrievers, the MCP server (issue 15)
    "snippets": "rag",
    "haystack": "rag",
    "langchain": "rag",
    "llamaindex": "rag",
    "mcp": "rag",
}
# Modules that stay at the top of the package: the shared vocabulary and the entry points.
TOP = frozenset({"__init__", "__main__", "api", "cli", "client", "errors", "models", "settings"})
STAY_PACKAGES = frozenset({"web"})

PACKAGES: dict[str, str] = {  # each becomes the docstring of its __init__.py, wrapped at 116 characters
    "util": (
        "Plumbing every stage shares: progress reporting (`progress`), where build tasks run (`workers`: this "
        "process, one process per core, a Dask cluster), the work a rebuild reuses (`buildcache`), file "
        "hashes (`hashing`) and byte-bounded caches (`lru`). It imports only the standard library, numpy and "
        "qa's shared modules (`qa.models`, `qa.errors`, `qa.settings`); every stage may import it."
    ),
    "ingest": (
        "Files to a Corpus: discover and decode files (`reader`, `htmltext`), repair their text with an "
        "offset map back to the raw bytes (`textmap`, `lexicon`, `repair`), find headings, sentences and "
        "references (`structure`, `references`), group sentences into passages (`passages`) and gather the "
        "folder into a `Corpus` (`corpus`). It imports `qa.util` and the shared modules, never search, "
        "vectors, storage or anything after them."
    ),
    "search": (
        "Lexical ranking: the one analyzer for every ranker and for query and index time (`analyzer`), "
        "postings and vocabulary arrays (`postings`, `vocabulary`), BM25 and TF-IDF (`bm25`, `tfidf`), "
        "spelling suggestions (`spelling`), English word statistics (`wordstats`: how rare a word is, typos of "
        "common words), fusion with a deterministic tie-break (`fusion`) and the engine "
        "that saves and ranks them (`engine`). It imports `qa.util` and the shared modules; it knows nothing "
        "of files (ingest) or vectors."
    ),
    "vectors": (
        "Sentence vectors: the all-MiniLM-L6-v2 encoder (`encoder`), a build's passage vectors reused by text "
        "hash or encoded by the workers (`encoding`), their nearest-neighbour graph on large indexes (`ann`) "
        "and dense retrieval and reranking at query time (`semantic`). It imports `qa.util` and the shared "
        "modules, never ingest, search or anything after them."
    ),
    "storage": (
        "The index folder: passages, documents and references as columns (`store`) and the atomic build with "
        "its manifest, checksums, lock and staleness check (`index`), which runs ingest, search and vectors. "
        "It imports those three stages, `qa.util` and the shared modules, never answering or anything after "
        "it."
    ),
    "answering": (
        "Ranked passages to an answer: the answer sentence and highlights (`answer`), what the question asks "
        "(`intent`), when to abstain (`abstention`) and citations of the reference list (`citations`). It "
        "imports storage and "
        "the stages before it, `qa.util` and the shared modules, never `qa.api` or the edges."
    ),
    "evaluation": (
        "Scoring qa against question sets: reusable evaluation indexes and scores (`evaluate`), the BEIR "
        "loader (`beir`) and the MedQuAD corpus recipe and span scoring (`medquad`). It sits above the Python "
        "API (`qa.api`) and may import it and every stage; nothing in the library imports it (the CLI does)."
    ),
    "rag": (
        "What a retrieval-augmented generation pipeline plugs in: framework retrievers (Haystack, LangChain, "
        "LlamaIndex), the snippets they share and the MCP server. "
        "They sit above the Python API (`qa.api`) and the HTTP client (`qa.client`); nothing in the library "
        "imports them."
    ),
}

PYTHON_DIRS = ("qa", "tests", "bench", "eval")
TEXT_FILES = ("wsgi.py", "Makefile", "pyproject.toml")
SKIP_DIRS = frozenset({".git", ".venv", "__pycache__", "node_modules", "test-artifacts", "index", "corpus"})
SELF = Path("tools") / "relayout.py"


def new_module(dotted: str, table: dict[str, str]) -> str:
    """`qa.index.build` -> `qa.storage.index.build`; anything not moved comes back unchanged."""
    parts = dotted.split(".")
    if len(parts) >= 2 and parts[0] == "qa" and parts[1] in table:
        return ".".join(["qa", table[parts[1]], *parts[1:]])
    return dotted


def patterns(table: dict[str, str], code: bool = False) -> list[tuple[re.Pattern[str], object]]:
    """`qa.x` (never `qa.x(`: a call is a method of a QA object, not a module) and `qa/x.py`; in `code` (a
    fenced block of Markdown, where `qa` is usually a QA object) `qa.x` only before `.` or after
    `from `, `import `, `-m `."""
    names = "|".join(sorted(table, key=lambda n: (-len(n), n)))
    dotted = rf"(?<![\w.])qa\.({names})(?![\w(])"
    if code:
        dotted = rf"(?:(?<=from )|(?<=import )|(?<=-m ))qa\.({names})(?![\w(])|(?<![\w.])qa\.({names})(?=\.\w)"
    return [
        (re.compile(dotted), lambda m: f"qa.{table[m.group(m.lastindex)]}.{m.group(m.lastindex)}"),
        (re.compile(rf"(?<![\w/.-])qa/({names})\.py\b"), lambda m: f"qa/{table[m.group(1)]}/{m.group(1)}.py"),
    ]


def rewrite_words(text: str, table: dict[str, str], code: bool = False) -> str:
    for pattern, repl in patterns(table, code):
        text = pattern.sub(repl, text)
    return text


def rewrite_markdown(text: str, table: dict[str, str]) -> str:
    """Prose and inline code as words; fenced blocks with the stricter `code` rule."""
    out, fenced = [], False
    for line in text.splitlines(keepends=True):
        if line.lstrip().startswith("```"):
            fenced = not fenced
            out.append(line)
        else:
            out.append(rewrite_words(line, table, code=fenced))
    return "".join(out)


def _offsets(text: str) -> list[int]:
    starts, pos = [0], 0
    for line in text.splitlines(keepends=True):
        pos += len(line)
        starts.append(pos)
    return starts


def _char_offset(lines: list[str], starts: list[int], lineno: int, byte_col: int) -> int:
    """ast columns are UTF-8 byte offsets; text slicing needs characters."""
    line = lines[lineno - 1]
    return starts[lineno - 1] + len(line.encode("utf-8")[:byte_col].decode("utf-8"))


def _span(node: ast.AST, lines: list[str], starts: list[int]) -> tuple[int, int]:
    return (
        _char_offset(lines, starts, node.lineno, node.col_offset),
        _char_offset(lines, starts, node.end_lineno, node.end_col_offset),
    )


def _alias(a: ast.alias) -> str:
    return a.name if a.asname is None else f"{a.name} as {a.asname}"


def _import_edits(text: str, tree: ast.AST, table: dict[str, str], path: Path) -> list[tuple[int, int, str]]:
    lines, starts = text.splitlines(keepends=True), _offsets(text)
    edits: list[tuple[int, int, str]] = []
    bare_qa = False
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            start, end = _span(node, lines, starts)
            if node.module == "qa":
                if not any(a.name in table for a in node.names):
                    continue
                groups: dict[str, list[str]] = {}
                for a in node.names:
                    parent = f"qa.{table[a.name]}" if a.name in table else "qa"
                    groups.setdefault(parent, []).append(_alias(a))
                segment = text[start:end]
                if "#" in segment:
                    raise SystemExit(f"{path}:{node.lineno}: a comment inside `from qa import (...)`: split it by hand")
                indent = lines[node.lineno - 1][: start - starts[node.lineno - 1]]
                sep = "\n" + indent if not indent.strip() else "; "
                stmts = [f"from {parent} import {', '.join(names)}" for parent, names in groups.items()]
                edits.append((start, end, sep.join(stmts)))
            elif node.module.startswith("qa."):
                moved = new_module(node.module, table)
                if moved != node.module:
                    segment = text[start:end]
                    m = re.match(r"from\s+" + re.escape(node.module) + r"(?![\w.])", segment)
                    if m is None:
                        raise SystemExit(f"{path}:{node.lineno}: cannot find {node.module} in {segment!r}")
                    edits.append((start, end, segment[: m.start()] + f"from {moved}" + segment[m.end() :]))
        elif isinstance(node, ast.Import):
            if not any(new_module(a.name, table) != a.name for a in node.names):
                bare_qa |= any(a.name == "qa" or a.name.startswith("qa.") and a.asname is None for a in node.names)
                continue
            start, end = _span(node, lines, starts)
            names = []
            for a in node.names:
                moved = new_module(a.name, table)
                bare_qa |= moved != a.name and a.asname is None
                names.append(moved if a.asname is None else f"{moved} as {a.asname}")
            edits.append((start, end, "import " + ", ".join(names)))
    if bare_qa:  # `import qa.x` binds `qa`: its attribute chains name modules
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "qa"
                and node.attr in table
            ):
                start, end = _span(node, lines, starts)
                edits.append((start, end, f"qa.{table[node.attr]}.{node.attr}"))
    return edits


def _apply(text: str, edits: list[tuple[int, int, str]]) -> str:
    edits = sorted(set(edits))
    for (s1, e1, _), (s2, _e2, _) in zip(edits, edits[1:], strict=False):
        if s2 < e1:
            raise SystemExit(f"overlapping edits at {s1}..{e1} and {s2}")
    for start, end, new in reversed(edits):
        text = text[:start] + new + text[end:]
    return text


STRING_TOKENS = {tokenize.STRING, tokenize.COMMENT} | {
    getattr(tokenize, name) for name in ("FSTRING_MIDDLE", "TSTRING_MIDDLE") if hasattr(tokenize, name)
}


def rewrite_python(text: str, table: dict[str, str], path: Path) -> str:
    """Imports by their syntax tree, then strings and comments token by token; other code is left alone."""
    text = _apply(text, _import_edits(text, ast.parse(text, str(path)), table, path))
    lines, starts = text.splitlines(keepends=True), _offsets(text)
    edits = []
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type in STRING_TOKENS:
            new = rewrite_words(tok.string, table)
            if new != tok.string:
                start = starts[tok.start[0] - 1] + tok.start[1]
                end = starts[tok.end[0] - 1] + tok.end[1]
                edits.append((start, end, new))
    del lines
    return _apply(text, edits)


class Mover:
    def __init__(self, root: Path, use_git: bool) -> None:
        self.root, self.use_git = root, use_git

    def tracked(self, folder: str) -> list[str]:
        if not self.use_git:
            base = self.root / folder
            return sorted(
                p.relative_to(self.root).as_posix()
                for p in base.rglob("*")
                if p.is_file() and "__pycache__" not in p.parts
            )
        out = subprocess.run(
            ["git", "ls-files", "-z", "--", folder], cwd=self.root, check=True, capture_output=True, text=True
        ).stdout
        return sorted(p for p in out.split("\0") if p)

    def move(self, src: str, dst: str) -> None:
        (self.root / dst).parent.mkdir(parents=True, exist_ok=True)
        if self.use_git:
            subprocess.run(["git", "mv", "--", src, dst], cwd=self.root, check=True)
        else:
            os.replace(self.root / src, self.root / dst)

    def add(self, path: str) -> None:
        if self.use_git:
            subprocess.run(["git", "add", "--", path], cwd=self.root, check=True)


def plan_moves(files: list[str], table: dict[str, str]) -> list[tuple[str, str]]:
    """(from, to) for every top-level module of qa/ in TABLE; anything else of qa/ stays where it is."""
    moves, unknown = [], []
    folders = STAY_PACKAGES | set(table.values())
    for rel in files:
        rest = rel.removeprefix("qa/")
        name, _, ext = rest.partition(".")
        if "/" not in rest and ext == "py":
            if name in table:
                moves.append((rel, f"qa/{table[name]}/{rest}"))
            elif name not in TOP:
                unknown.append(rel)
        elif "/" in rest and rest.split("/")[0] not in folders:
            unknown.append(rel)
    if unknown:
        raise SystemExit(
            "not in tools/relayout.py's TABLE (add each to its stage, or pass --place name=stage): "
            + ", ".join(unknown)
        )
    return moves


def text_files(root: Path) -> list[Path]:
    found = [root / name for name in TEXT_FILES if (root / name).is_file()]
    for folder in PYTHON_DIRS:
        for dirpath, dirnames, filenames in os.walk(root / folder):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
            found += [Path(dirpath) / f for f in sorted(filenames) if f.endswith((".py", ".md"))]
    found += sorted(root.glob("*.md"))
    return [p for p in found if p.relative_to(root) != SELF]


def ruff(root: Path, given: str | None = None) -> list[str] | None:
    for candidate in (given, root / ".venv" / "bin" / "ruff", shutil.which("ruff")):
        if candidate and Path(candidate).is_file():
            return [str(candidate)]
    return None


def run(root: Path, use_git: bool, table: dict[str, str], ruff_path: str | None = None) -> list[Path]:
    """Apply the layout to the checkout at `root`; the files whose text changed."""
    if set(table.values()) & set(table):
        raise SystemExit("a stage may not be named like a module: re-runs would move it again")
    mover = Mover(root, use_git)
    for src, dst in plan_moves(mover.tracked("qa"), table):
        mover.move(src, dst)
    for stage in sorted(set(table.values())):
        folder = root / "qa" / stage
        init = folder / "__init__.py"
        if folder.is_dir() and not init.exists():
            init.write_text(textwrap.fill(f'"""{PACKAGES[stage]}', 116) + '\n"""\n', encoding="utf-8")
            mover.add(init.relative_to(root).as_posix())
    changed = []
    for path in text_files(root):
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".py":
            new = rewrite_python(text, table, path)
        elif path.suffix == ".md":
            new = rewrite_markdown(text, table)
        else:
            new = rewrite_words(text, table)
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed.append(path)
    python = [str(p) for p in changed if p.suffix == ".py"]
    tool = ruff(root, ruff_path)
    if python and tool:
        subprocess.run(
            [*tool, "check", "--quiet", "--no-cache", "--select", "I", "--fix", *python], cwd=root, check=False
        )
        subprocess.run([*tool, "format", "--quiet", "--no-cache", *python], cwd=root, check=True)
    elif python:
        print("warning: ruff not found: run `ruff check --select I --fix` and `ruff format` yourself", file=sys.stderr)
    if use_git:
        subprocess.run(["git", "add", "-A", "--", *PYTHON_DIRS, *TEXT_FILES, "*.md"], cwd=root, check=True)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--no-git", action="store_true", help="move files without git (a tree filter)")
    parser.add_argument("--ruff", help="the ruff to sort imports and format with (default: .venv/bin/ruff, PATH)")
    parser.add_argument("--place", action="append", default=[], metavar="NAME=STAGE", help="a module not in TABLE")
    args = parser.parse_args(argv)
    table = dict(TABLE)
    for item in args.place:
        name, _, stage = item.partition("=")
        if stage not in PACKAGES:
            parser.error(f"--place {item}: the stage must be one of {', '.join(sorted(PACKAGES))}")
        table[name] = stage
    changed = run(args.root.resolve(), not args.no_git, table, args.ruff)
    print(f"relayout: {len(changed)} files rewritten", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
