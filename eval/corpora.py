"""Corpus recipes: documentation sets copied byte for byte, as Debian publishes them, into a corpus folder.

    python -m eval.corpora sqlite DEST        # also: postgresql, git, python, handbook, apache; --list shows every set

A set is a Debian package, a folder it installs and a fixed rule choosing pages (globs minus named
exclusions), so the same package version always gives the same corpus. The package must be installed
(`apt-get install -y PACKAGE`); the recipe says so when it is not.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path


@dataclass(frozen=True)
class Recipe:
    """Which pages of an installed documentation package make the corpus."""

    name: str
    package: str
    version: str  # the package version the question set was written against
    root: str
    include: tuple[str, ...]  # globs relative to root, matched against POSIX paths
    exclude: tuple[str, ...] = ()
    licence: str = ""
    about: str = ""

    def pages(self) -> list[str]:
        """The chosen pages, relative to root, sorted; CorpusMissing when the package is not installed."""
        root = Path(self.root)
        if not root.is_dir():
            raise CorpusMissing(f"{self.root} is missing: install it with `apt-get install -y {self.package}`")
        chosen = set()
        for pattern in self.include:
            for path in root.glob(pattern):
                rel = path.relative_to(root).as_posix()
                if path.is_file() and not any(fnmatch(rel, x) for x in self.exclude):
                    chosen.add(rel)
        return sorted(chosen)


class CorpusMissing(Exception):
    """The documentation package a recipe copies from is not installed."""


SQLITE_INDEXES = (  # machine-made listings and logs, not documentation a user reads to learn SQLite
    "requirements.html", "doc_*_crossref.html", "keyword_index.html", "sitemap.html", "changes.html",
    "chronology.html", "news.html", "oldnews.html", "pressrelease-*.html", "consortium_agreement-*.html",
    "docs.html", "doclist.html", "index.html", "capi3ref.html", "syntaxdiagrams.html", "cves.html",
)  # fmt: skip

# The Apache manual's front page, site map and the module section's generated listings of modules and directives
APACHE_LISTINGS = ("index.html", "sitemap.html", "mod/index.html", "mod/directives.html", "mod/quickreference.html",
                   "mod/overrides.html")  # fmt: skip
# Pages Debian's manual/en holds in Brazilian Portuguese (`<html lang="pt-br">`: apache2-doc 2.4.71-1~deb12u1
# has the pt-br build of these six written over the English one)
APACHE_PORTUGUESE = ("bind.html", "filter.html", "install.html", "invoking.html", "new_features_2_4.html",
                     "upgrading.html")  # fmt: skip

RECIPES = {
    r.name: r
    for r in (
        Recipe(
            "sqlite",
            "sqlite3-doc",
            "3.40.1-2+deb12u2",
            "/usr/share/doc/sqlite3",
            ("*.html",),
            SQLITE_INDEXES,
            "public domain (SQLite)",
            "SQLite's documentation pages (SQL language, pragmas, CLI, JSON, FTS, WAL, internals); the top level "
            "only (not the C API pages under c3ref/), without its generated indexes and change logs",
        ),
        Recipe(
            "postgresql",
            "postgresql-doc-15",
            "15.20-0+deb12u1",
            "/usr/share/doc/postgresql-doc-15/html",
            ("tutorial*.html", "sql-*.html", "ddl*.html", "queries*.html", "indexes*.html"),
            ("sql-syntax*.html", "sql-commands.html"),
            "PostgreSQL Licence",
            "PostgreSQL 15: Part I (tutorial), the SQL command reference pages, and the chapters on data "
            "definition, queries and indexes",
        ),
        Recipe(
            "git",
            "git-doc",
            "1:2.39.5-0+deb12u3",
            "/usr/share/doc/git-doc",
            ("*.html",),
            ("index.html", "howto-index.html"),
            "GPL-2",
            "Git 2.39: every top-level HTML page (command manual pages, guides, user manual, tutorials), "
            "without the two index pages",
        ),
        Recipe(
            "python",
            "python3.11-doc",
            "3.11.2-6+deb12u9",
            "/usr/share/doc/python3.11-doc/html",
            ("library/*.html",),
            (),
            "PSF License",
            "Python 3.11's library reference (Sphinx), all 317 pages",
        ),
        Recipe(
            "handbook",
            "debian-handbook",
            "11.20220922",
            "/usr/share/doc/debian-handbook/html/en-US",
            ("*.html",),
            ("index.html",),  # the title page: authors, legal notice, ISBNs and the whole table of contents
            "GPL-2+ or CC BY-SA 3.0",
            "The Debian Administrator's Handbook (Debian 11 Bullseye, Publican/DocBook), every English chapter, "
            "section and appendix page, without the title page",
        ),
        Recipe(
            "apache",
            "apache2-doc",
            "2.4.71-1~deb12u1",
            # Debian installs the manual's content-negotiated `*.html.<lang>` pages as one folder per language
            # with plain `*.html` names (other languages link here where they lack a translation): read as HTML
            "/usr/share/doc/apache2-doc/manual/en",
            ("*.html", "*/*.html"),
            APACHE_LISTINGS + APACHE_PORTUGUESE,
            "Apache-2.0",
            "The Apache HTTP Server 2.4 manual in English: module and directive reference, how-tos, rewrite and "
            "SSL guides, virtual hosts, programs, FAQ, developer pages; without the front page, site map, "
            "the generated module and directive listings and six pages Debian ships in Portuguese",
        ),
    )
}


def installed_version(package: str) -> str | None:
    """The installed Debian version of `package`, None when it is not installed (or dpkg is absent)."""
    try:
        out = subprocess.run(
            ["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True, check=False
        )
    except OSError:
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def materialize(name: str, dest: Path) -> list[str]:
    """Copy the set's pages into `dest` (flat names kept as paths under it); returns the copied paths.

    Files already identical are left alone; files in `dest` that the recipe does not choose are removed,
    so `dest` holds exactly the corpus."""
    recipe = RECIPES[name]
    pages = recipe.pages()
    root, dest = Path(recipe.root), Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    for rel in pages:
        source, target = root / rel, dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.is_file() or target.read_bytes() != source.read_bytes():
            shutil.copyfile(source, target)
    wanted = set(pages)
    for path in sorted(dest.rglob("*"), reverse=True):
        rel = path.relative_to(dest).as_posix()
        if path.is_file() and rel not in wanted:
            path.unlink()
        elif path.is_dir() and not list(path.iterdir()):
            path.rmdir()
    return pages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.corpora", description=__doc__.split("\n\n")[0])
    parser.add_argument("name", nargs="?", choices=sorted(RECIPES))
    parser.add_argument("dest", nargs="?", type=Path)
    parser.add_argument("--list", action="store_true", help="list the sets and whether each is installed")
    args = parser.parse_args(argv)
    if args.list or args.name is None:
        for r in RECIPES.values():
            have = installed_version(r.package)
            state = (
                "not installed"
                if have is None
                else f"installed {have}" + ("" if have == r.version else f" (questions written against {r.version})")
            )
            print(f"{r.name:<11} {r.package:<18} {state}: {r.about}")
        return 0
    if args.dest is None:
        parser.error("give DEST, the corpus folder to write")
    try:
        pages = materialize(args.name, args.dest)
    except CorpusMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    recipe = RECIPES[args.name]
    have = installed_version(recipe.package)
    if have != recipe.version:
        print(f"warning: {recipe.package} {have} is installed; the questions were written against {recipe.version}",
              file=sys.stderr)  # fmt: skip
    size = sum((args.dest / p).stat().st_size for p in pages)
    print(f"{args.name}: {len(pages)} pages, {size} bytes in {args.dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
