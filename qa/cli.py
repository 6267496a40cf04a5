"""The `qa` command line: a thin click layer over the library; errors become one line and an exit code."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click

from qa import settings as qa_settings
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


def _folder_option(flag: str, dest: str, setting: str, help_text: str):  # noqa: ANN202 (a click decorator)
    """A folder option whose environment variable and default are the declared setting's (qa.settings)."""
    declared = next(x for x in qa_settings.SETTINGS if x.name == setting)
    return click.option(
        flag,
        dest,
        type=click.Path(path_type=Path, file_okay=False),
        envvar=declared.env,
        default=declared.default,
        show_default=True,
        help=f"{help_text} (env {declared.env}).",
    )


def _setting_option(flag: str, dest: str, setting: str, kind: Any):  # noqa: ANN202 (a click decorator)
    """An option whose environment variable, default and help are the declared setting's (qa.settings)."""
    declared = next(x for x in qa_settings.SETTINGS if x.name == setting)
    return click.option(
        flag,
        dest,
        type=kind,
        envvar=declared.env,
        default=declared.default,
        show_default=True,
        help=f"{declared.help.replace('`', '')} (env {declared.env}).",
    )


corpus_option = _folder_option("--corpus", "corpus_dir", "CORPUS_DIR", "Folder of documents")
index_option = _folder_option("--index", "index_dir", "INDEX_DIR", "Index folder")


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
    from qa.ingest.corpus import load_corpus

    corpus = load_corpus(corpus_dir)
    if as_json:
        _dump([d.to_dict() for d in corpus.documents])
        return
    for d in corpus.documents:
        click.echo(f"{d.id}\t{d.path}\t{d.title}")
    _print_skipped(corpus.skipped)


def _print_skipped(skipped: tuple[tuple[str, str], ...]) -> None:
    """One `skipped <path>: <reason>` line per file left out, on stderr."""
    for path, reason in skipped:
        click.echo(f"skipped {path}: {reason.removeprefix(path + ': ')}", err=True)


@main.command()
@corpus_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@_handle_errors
def passages(corpus_dir: Path, as_json: bool) -> None:
    """List every passage (body passages and reference entries) with its raw source span."""
    from qa.ingest.corpus import load_corpus

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
    from qa.ingest.corpus import load_corpus

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
    from qa.ingest.repair import repair_text

    data = sys.stdin.buffer.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"stdin is not valid UTF-8 (byte {exc.start})") from exc
    sys.stdout.write(repair_text(text))


@main.command()
@corpus_option
@index_option
@click.option("--if-needed", is_flag=True, help="Build only when the index is missing, stale, corrupted or outdated.")
@click.option("--no-wait", is_flag=True, help="Fail at once if another build is running instead of waiting.")
@click.option(
    "--progress/--no-progress",
    default=True,
    show_default=True,
    help="Progress per stage on stderr: a bar on a terminal, a line every few seconds elsewhere.",
)
@_setting_option("--workers", "workers", "BUILD_WORKERS", click.IntRange(min=0))
@_setting_option("--scheduler", "scheduler", "BUILD_SCHEDULER", str)
@click.option("--no-cache", is_flag=True, help="Redo all work instead of reusing what earlier builds cached.")
@_handle_errors
def build(
    corpus_dir: Path,
    index_dir: Path,
    if_needed: bool,
    no_wait: bool,
    progress: bool,
    workers: int,
    scheduler: str,
    no_cache: bool,
) -> None:
    """Build the index of the corpus (atomically: a failed build leaves the previous index serving).

    Work of unchanged files and passages is reused from earlier builds; the rest runs on every local core
    or, with --scheduler, on a Dask cluster. The index is the same byte for byte either way."""
    from qa.api import QA
    from qa.errors import IndexUnavailable
    from qa.storage.index import build_index, lacks_vectors
    from qa.util import progress as reporters
    from qa.util.workers import Workers

    if if_needed:
        try:
            qa = QA.open(index_dir, corpus_dir)
        except IndexUnavailable as exc:
            click.echo(f"building: {exc.detail}", err=True)
        else:
            info = qa.info
            if not lacks_vectors(qa.manifest):
                click.echo(f"index {info.version} is up to date ({info.passages} passages, built {info.built_at})")
                return
            click.echo(f"building: index {info.version} has no passage vectors for semantic reranking", err=True)
    reporter = reporters.for_stream(sys.stderr, progress)
    started = time.monotonic()
    try:
        with Workers(workers, scheduler) as pool:
            report = build_index(
                corpus_dir, index_dir, progress=reporter, wait=not no_wait, workers=pool, cache=not no_cache
            )
    finally:
        getattr(reporter, "close", lambda: None)()
    _print_skipped(report.skipped)
    info = report.info
    click.echo(
        f"built index {info.version} in {report.path}: {info.documents} documents, {info.passages} passages, "
        f"{info.references} references, {info.terms} terms, {info.size_bytes} bytes"
        + (f"; skipped {len(report.skipped)} file(s)" if report.skipped else "")
    )
    if progress:
        click.echo(f"progress build done in {reporters.duration(time.monotonic() - started)} ({pool.where})", err=True)


def _print_answer(answer: Any) -> None:
    if answer.answered:
        click.echo(f"Answer (confidence {answer.confidence:.2f}):")
    else:
        click.echo("The documents do not answer this question.")
    for reason in answer.reasons:
        click.echo(f"  - {reason}")
    for suggestion in answer.suggestions:
        click.echo(f"  Did you mean: {suggestion}")
    for r in answer.results:
        where = r.document_title if r.section == r.document_title else f"{r.document_title} › {r.section}"
        click.echo(f"\n[{r.rank}] {where}  ({r.passage_id}, score {r.score:.3f})")
        click.echo(f"    {r.answer}")
        if r.text != r.answer:
            click.echo(f"    … {r.text}")
        for c in r.citations:
            link = f" {c.reference.url}" if c.reference.url else ""
            click.echo(f"    cites: {c.reference.text}{link}  ({c.evidence})")


@main.command()
@click.argument("question")
@index_option
@click.option("--k", default=3, show_default=True, type=int, help="Number of results (1-50).")
@click.option("--mode", default="hybrid", show_default=True, help="hybrid, bm25 or tfidf.")
@click.option("--document", default=None, help="Search only this document id.")
@click.option("--json", "as_json", is_flag=True, help="Print the answer object as JSON.")
@_handle_errors
def ask(question: str, index_dir: Path, k: int, mode: str, document: str | None, as_json: bool) -> None:
    """Answer a question from the built index, with citations (or say the documents do not answer)."""
    from qa.api import QA

    answer = QA.open(index_dir).ask(question, k=k, mode=mode, document=document)
    if as_json:
        _dump(answer.to_dict())
    else:
        _print_answer(answer)


@main.command(name="eval")
@click.argument("file", required=False, type=click.Path(path_type=Path, dir_okay=False))
@index_option
@click.option("--beir", "beir_dir", type=click.Path(path_type=Path, file_okay=False), help="Evaluate on a BEIR folder.")
@click.option(
    "--medquad",
    "medquad_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Evaluate on the MedQuAD set (docs.jsonl + questions.jsonl): writes its corpus, builds, scores.",
)
@click.option(
    "--work",
    "work_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="With --medquad: keep the corpus and index here and reuse the index while corpus and code are "
    "unchanged (default: a temporary folder).",
)
@click.option("--k", default=3, show_default=True, type=int, help="Results per question for hit@k.")
@click.option("--mode", default="hybrid", show_default=True, help="hybrid, bm25 or tfidf.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: when stderr is a terminal).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@_handle_errors
def evaluate(
    file: Path | None,
    index_dir: Path,
    beir_dir: Path | None,
    medquad_dir: Path | None,
    work_dir: Path | None,
    k: int,
    mode: str,
    progress: bool | None,
    as_json: bool,
) -> None:
    """Score a question set (JSONL: id, question, answerable, gold, kind), a BEIR data set (--beir) or the
    MedQuAD set (--medquad)."""
    from qa.api import validate_k, validate_mode

    validate_mode(mode)
    validate_k(k)
    if sum(x is not None for x in (file, beir_dir, medquad_dir)) != 1:
        raise InvalidInput("give one of a question FILE, --beir DIR or --medquad DIR")
    if work_dir is not None and medquad_dir is None:
        raise InvalidInput("--work goes with --medquad")
    if beir_dir is not None:
        from qa.evaluation.beir import evaluate_beir

        result = evaluate_beir(beir_dir, mode=mode)
        _dump(result) if as_json else click.echo("  ".join(f"{key} {value}" for key, value in result.items()))
        return
    from qa.util import progress as reporters

    bar = reporters.for_stream(sys.stderr, sys.stderr.isatty() if progress is None else progress)
    try:
        report = (
            _medquad(medquad_dir, work_dir, k, mode, bar)
            if medquad_dir
            else _question_file(file, index_dir, k, mode, bar)
        )
    finally:
        getattr(bar, "close", lambda: None)()
    if as_json:
        _dump(report)
        return
    if medquad_dir is None:
        _print_table("kind", [("all", report)] + list(report["by_kind"].items()), k)
        return
    index = report["index"]
    click.echo(f"index {index['version']} ({'reused' if index['reused'] else 'built'}, semantic {index['semantic']})")
    rows = [("all", report)] + [(f"qtype {n}", s) for n, s in report["by_qtype"].items()]
    _print_table("group", rows + [(f"source {n}", s) for n, s in report["by_source"].items()], k, medquad=True)


def _question_file(
    file: Path, index_dir: Path, k: int, mode: str, bar: Callable[[str, int, int], None]
) -> dict[str, Any]:
    from qa.api import QA
    from qa.evaluation.evaluate import evaluate_questions, load_questions

    return evaluate_questions(QA.open(index_dir), load_questions(file), k=k, mode=mode, progress=bar)


def _medquad(
    folder: Path, work_dir: Path | None, k: int, mode: str, bar: Callable[[str, int, int], None]
) -> dict[str, Any]:
    import tempfile

    from qa.evaluation import medquad

    if work_dir is not None:
        return medquad.run(folder, work_dir, k=k, mode=mode, progress=bar)
    with tempfile.TemporaryDirectory(prefix="qa-medquad-") as tmp:
        return medquad.run(folder, Path(tmp), k=k, mode=mode, progress=bar)


def _print_table(label: str, rows: list[tuple[str, dict[str, Any]]], k: int, medquad: bool = False) -> None:
    """One line per group: counts and shares (`-` where the group has no question of that kind)."""
    fmt = lambda v: "-" if v is None else f"{v:.2f}"  # noqa: E731
    extra = ("topic@1",) if medquad else ()
    keys = ("hit@1", f"hit@{k}", *extra, "answer@1", "abstention", "false_abstention")
    width = max(14, *(len(name) + 2 for name, _ in rows))
    heads = {"abstention": "abstain", "false_abstention": "false-abst"}
    click.echo(f"{label:<{width}}{'n':>5}" + "".join(f"{heads.get(key, key):>11}" for key in keys))
    for name, s in rows:
        click.echo(f"{name:<{width}}{s['questions']:>5}" + "".join(f"{fmt(s[key]):>11}" for key in keys))


@main.command(name="mcp")
@index_option
@click.option("--url", default=None, help="Answer through the qa service at this URL instead of an index folder.")
@click.option("--api-key", envvar="QA_API_KEY", default=None, help="API key for --url (env QA_API_KEY).")
@click.option("--transport", type=click.Choice(["stdio", "http"]), default="stdio", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True, help="For --transport http.")
@_handle_errors
def mcp_server(index_dir: Path, url: str | None, api_key: str | None, transport: str, port: int) -> None:
    """Serve the MCP tools `ask` and `get_passage` (stdio, or streamable HTTP on 127.0.0.1:PORT/mcp)."""
    try:
        from qa.rag import mcp
    except ModuleNotFoundError as exc:
        missing = (exc.name or "mcp").split(".")[0]
        raise QAError(f"`qa mcp` needs the MCP SDK ({missing} is not installed): pip install 'qa[mcp]'") from exc
    if url is not None:
        from qa.client import Client

        source: Any = Client(url, api_key=api_key)
        source.health()  # fail now, not on the agent's first question, when the service is not there
    else:
        from qa.api import QA

        source = QA.open(index_dir)
        source.warm_up()
    server = mcp.create_server(source)
    if transport == "stdio":
        mcp.serve_stdio(server)
        return
    sock = mcp.bind(port)
    mcp.announce(sock)
    mcp.serve_http(server, sock)
