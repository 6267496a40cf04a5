"""Corpus faults at `qa build`: each bad file is skipped with a message naming it, the rest still builds."""

import codecs
import shutil

import pytest
from click.testing import CliRunner
from conftest import SMALL_CORPUS, write_corpus

from qa import settings
from qa.api import QA
from qa.cli import main
from qa.ingest.corpus import load_corpus

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
LATIN1_HINT = (
    "if it is Latin-1/Windows-1252 text, convert it: iconv -f WINDOWS-1252 -t UTF-8 {0} > {0}.tmp && mv {0}.tmp {0}"
)
UTF16_HINT = "if it is UTF-16 text, save it as UTF-8 (or with a byte-order mark)"

# (file name, bytes, the reason `qa build` gives after "skipped corpus/<name>: ")
FAULTS = [
    ("empty.txt", b"", "empty file"),
    ("blank.md", b"\n \t\r\n", "empty file"),
    ("image.txt", PNG, "binary file (a PNG image), not text"),
    ("report.html", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "binary file (a PDF file), not text"),
    (
        "nul.md",
        b"\x00\x01\x02\x03" * 50,
        "binary file (50 NUL bytes in the first 200); " + UTF16_HINT,
    ),
    (
        "utf16-no-bom.txt",
        "Hello there".encode("utf-16-le"),
        "binary file (11 NUL bytes in the first 22); " + UTF16_HINT,
    ),
    ("undecodable.txt", b"abc \xff\xfe", "not valid UTF-8 (byte offset 4); " + LATIN1_HINT.format("undecodable.txt")),
    ("latin1.txt", b"Caf\xe9 cr\xe8me.", "not valid UTF-8 (byte offset 3); " + LATIN1_HINT.format("latin1.txt")),
    ("copy-of-ankle.txt", SMALL_CORPUS["ankle.txt"].encode(), "duplicate of corpus/ankle.txt"),
    (
        "bad-utf16.txt",
        codecs.BOM_UTF16_LE + "ok".encode("utf-16-le") + b"\x00\xd8",
        "starts with a UTF-16-LE byte-order mark but is not valid UTF-16-LE (byte offset 6)",
    ),
]


def build(*args, env=None):
    return CliRunner(env=env).invoke(main, ["build", "--no-progress", *map(str, args)])


@pytest.fixture
def corpus(tmp_path):
    return write_corpus(tmp_path / "corpus")


@pytest.mark.parametrize("name,data,reason", FAULTS, ids=[f[0] for f in FAULTS])
def test_a_bad_file_is_skipped_with_its_reason_and_the_rest_builds(corpus, tmp_path, name, data, reason):
    (corpus / name).write_bytes(data)
    result = build("--corpus", corpus, "--index", tmp_path / "index")
    assert result.exit_code == 0, result.output
    assert result.stderr == f"skipped corpus/{name}: {reason}\n"
    assert result.stdout.rstrip().endswith("; skipped 1 file(s)")
    qa = QA.open(tmp_path / "index", corpus)
    assert [d.id for d in qa.documents()] == ["ankle", "knee"]
    assert qa.manifest["corpus"]["skipped"] == [[f"corpus/{name}", f"corpus/{name}: {reason}"]]


def test_every_fault_at_once_is_listed_in_path_order(corpus, tmp_path):
    for name, data, _ in FAULTS:
        (corpus / name).write_bytes(data)
    result = build("--corpus", corpus, "--index", tmp_path / "index")
    assert result.exit_code == 0, result.output
    expected = sorted(f"skipped corpus/{name}: {reason}" for name, _, reason in FAULTS)
    assert result.stderr.splitlines() == expected
    assert result.stdout.rstrip().endswith(f"; skipped {len(FAULTS)} file(s)")
    assert QA.open(tmp_path / "index").info.documents == 2


def test_only_bad_files_is_a_one_line_error_naming_each(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_bytes(b"")
    (corpus / "b.txt").write_bytes(PNG)
    result = build("--corpus", corpus, "--index", tmp_path / "index")
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: nothing to index in {corpus} (corpus/a.txt: corpus/a.txt: empty file; "
        "corpus/b.txt: corpus/b.txt: binary file (a PNG image), not text)\n"
    )
    assert not (tmp_path / "index" / "current").exists()


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", "utf-8"])
def test_a_byte_order_mark_names_the_encoding_and_offsets_index_the_decoded_text(tmp_path, encoding):
    text = "Heel Pain\n\nPlantar fasciitis causes heel pain — often in the morning. Rest helps.\n"
    bom = {"utf-8": codecs.BOM_UTF8, "utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}
    bom |= {"utf-32-le": codecs.BOM_UTF32_LE, "utf-32-be": codecs.BOM_UTF32_BE}
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "heel.txt").write_bytes(bom[encoding] + text.encode(encoding))
    loaded = load_corpus(corpus)
    assert loaded.skipped == ()
    raw = "\ufeff" + text  # the decoded file, byte-order mark included as U+FEFF
    assert [(p.section, p.text) for p in loaded.passages] == [
        ("Heel Pain", "Plantar fasciitis causes heel pain — often in the morning. Rest helps.")
    ]
    for p in loaded.passages:
        assert raw[p.source.start : p.source.end] == p.text
        for s in p.sentences:
            assert raw[s.source.start : s.source.end] == s.text


def test_a_stray_nul_in_text_is_still_text(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    body = "Knee Pain\n\n" + "Runners often feel knee pain after long runs. " * 5 + "\x00 The patella rubs.\n"
    (corpus / "knee.txt").write_text(body, encoding="utf-8")
    loaded = load_corpus(corpus)
    assert loaded.skipped == ()
    assert [d.id for d in loaded.documents] == ["knee"]


def test_the_size_limit_is_a_documented_setting():
    assert settings.get("MAX_FILE_BYTES", {}) == 5_242_880
    assert settings.get("MAX_FILE_BYTES", {"QA_MAX_FILE_BYTES": "100"}) == 100
    assert "`QA_MAX_FILE_BYTES` | `5242880`" in settings.markdown_table()


def test_a_50_mb_file_is_skipped_by_size_without_being_read(corpus, tmp_path, monkeypatch):
    with (corpus / "huge.txt").open("wb") as f:
        line = b"Calf pain after running is common and usually heals with rest.\n"
        for _ in range(50 * 1024 * 1024 // len(line) + 1):
            f.write(line)
    size = (corpus / "huge.txt").stat().st_size
    monkeypatch.delenv("QA_MAX_FILE_BYTES", raising=False)
    result = build("--corpus", corpus, "--index", tmp_path / "index")
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        f"skipped corpus/huge.txt: {size:,} bytes is over the 5,242,880-byte limit (QA_MAX_FILE_BYTES); "
        "split the file or raise the limit\n"
    )
    assert QA.open(tmp_path / "index", corpus).info.documents == 2


def test_the_size_limit_follows_the_environment(corpus, tmp_path):
    (corpus / "long.txt").write_text("Long Text\n\n" + "Shin splints hurt runners. " * 100, encoding="utf-8")
    small = build("--corpus", corpus, "--index", tmp_path / "i1", env={"QA_MAX_FILE_BYTES": "1000"})
    assert small.stderr == (
        "skipped corpus/long.txt: 2,711 bytes is over the 1,000-byte limit (QA_MAX_FILE_BYTES); "
        "split the file or raise the limit\n"
    )
    large = build("--corpus", corpus, "--index", tmp_path / "i2", env={"QA_MAX_FILE_BYTES": "3000"})
    assert large.stderr == ""
    assert [d.id for d in QA.open(tmp_path / "i2").documents()] == ["ankle", "knee", "long"]


def test_duplicates_keep_the_first_path_and_name_it(tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    (corpus / "sub").mkdir()
    shutil.copy(corpus / "knee.md", corpus / "sub" / "knee-copy.md")
    shutil.copy(corpus / "ankle.txt", corpus / "a-first.txt")
    loaded = load_corpus(corpus)
    assert [d.path for d in loaded.documents] == ["corpus/a-first.txt", "corpus/knee.md"]
    assert loaded.skipped == (
        ("corpus/ankle.txt", "corpus/ankle.txt: duplicate of corpus/a-first.txt"),
        ("corpus/sub/knee-copy.md", "corpus/sub/knee-copy.md: duplicate of corpus/knee.md"),
    )


@pytest.mark.parametrize(
    "change,reason,documents",
    [
        (lambda c: (c / "ankle.txt").unlink(), "removed ankle.txt", ["knee"]),
        (
            lambda c: (c / "knee.md").write_text("# Hip\n\nHip pain is common in runners.\n", encoding="utf-8"),
            "changed knee.md",
            ["ankle", "knee"],
        ),
        (lambda c: (c / "hip.txt").write_text("Hip pain is common.\n", encoding="utf-8"), "added hip.txt", None),
    ],
    ids=["removed", "changed", "added"],
)
def test_a_file_changed_between_builds_is_named_and_rebuilt(corpus, tmp_path, change, reason, documents):
    index = tmp_path / "index"
    assert build("--corpus", corpus, "--index", index).exit_code == 0
    old = QA.open(index, corpus).info.version
    up_to_date = build("--if-needed", "--corpus", corpus, "--index", index)
    assert up_to_date.stdout.startswith(f"index {old} is up to date")
    change(corpus)
    result = build("--if-needed", "--corpus", corpus, "--index", index)
    assert result.exit_code == 0, result.output
    assert result.stderr == f"building: the corpus changed since the index was built ({reason}): run `qa build`\n"
    qa = QA.open(index, corpus)
    assert qa.info.version != old
    assert [d.id for d in qa.documents()] == (documents or ["ankle", "hip", "knee"])
    if reason.startswith("changed"):
        assert qa.ask("hip pain runners").results[0].document_id == "knee"
