"""The `qa` command line: a thin click layer over the library; errors become one line and an exit code."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click

from qa.errors import InvalidInput, QAError


def _dump(obj: Any) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, indent=2))


def _handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn a QAError into `error: <detail>` on stderr and exit code 2 (1 is left to bugs)."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except QAError as exc:
            click.echo(f"error: {exc.detail}", err=True)
            sys.exit(2)

    return wrapper


corpus_option = click.option(
    "--corpus",
    "corpus_dir",
    type=click.Path(path_type=Path, file_okay=False),
    envvar="QA_CORPUS_DIR",
    default="corpus",
    show_default=True,
    help="Folder of documents (env QA_CORPUS_DIR).",
)


@click.group()
@click.version_option(package_name="qa")
def main() -> None:
    """Document-grounded question answering over a folder of documents."""


@main.command()
@corpus_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@_handle_errors
def documents(corpus_dir: Path, as_json: bool) -> None:
    """List the documents of the corpus."""
    from qa.corpus import load_corpus

    corpus = load_corpus(corpus_dir)
    if as_json:
        _dump([d.to_dict() for d in corpus.documents])
        return
    for d in corpus.documents:
        click.echo(f"{d.id}\t{d.path}\t{d.title}")
    for path, reason in corpus.skipped:
        click.echo(f"skipped {path}: {reason}", err=True)


@main.command()
@corpus_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@_handle_errors
def passages(corpus_dir: Path, as_json: bool) -> None:
    """List every passage (body passages and reference entries) with its raw source span."""
    from qa.corpus import load_corpus

    corpus = load_corpus(corpus_dir)
    if as_json:
        _dump([p.to_dict() for p in corpus.passages])
        return
    for p in corpus.passages:
        click.echo(f"{p.passage_id}\t[{p.section}]\t{p.text}")


@main.command()
@corpus_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@_handle_errors
def references(corpus_dir: Path, as_json: bool) -> None:
    """List every parsed reference."""
    from qa.corpus import load_corpus

    corpus = load_corpus(corpus_dir)
    if as_json:
        _dump([r.to_dict() for r in corpus.references])
        return
    for r in corpus.references:
        click.echo(f"{r.id}\t{r.text}")


@main.command()
@_handle_errors
def clean() -> None:
    """Repair raw text from stdin and write it to stdout, line for line (the repair stage alone)."""
    from qa.repair import repair_text

    data = sys.stdin.buffer.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"stdin is not valid UTF-8 (byte {exc.start})") from exc
    sys.stdout.write(repair_text(text))
