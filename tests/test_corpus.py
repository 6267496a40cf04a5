import hashlib
import re
import statistics

import pytest

from qa.errors import CorpusError
from qa.ingest.corpus import corpus_fingerprint, load_corpus

SEED_REFERENCES = 25


def make_corpus(root):
    corpus = root / "corpus"
    (corpus / "guides").mkdir(parents=True)
    (corpus / "calf.txt").write_text("Calf Guide\n\nCalf pain is common. It usually heals.\n", encoding="utf-8")
    (corpus / "guides" / "knee.md").write_text(
        "---\ntitle: Knee Guide\nurl: https://example.org/knee\n---\n# Knee\n\nThe knee is a **joint** [1].\n",
        encoding="utf-8",
    )
    (corpus / "guides" / "knee.html").write_text(
        "<title>Knee page</title><nav>Menu</nav><h1>Knee</h1><p>Knees bend &amp; twist.</p>", encoding="utf-8"
    )
    (corpus / "empty.txt").write_text("\n\n", encoding="utf-8")
    (corpus / "latin1.txt").write_bytes("Caf\xe9 au lait.".encode("latin-1"))
    (corpus / "notes.pdf").write_bytes(b"%PDF")
    return corpus


def test_load_corpus_documents_skipped_and_passages(tmp_path):
    corpus = load_corpus(make_corpus(tmp_path))
    assert [(d.id, d.path, d.format, d.title, d.url) for d in corpus.documents] == [
        ("calf", "corpus/calf.txt", "txt", "Calf Guide", None),
        ("guides-knee-html", "corpus/guides/knee.html", "html", "Knee page", None),
        ("guides-knee-md", "corpus/guides/knee.md", "md", "Knee Guide", "https://example.org/knee"),
    ]
    assert corpus.skipped == (
        ("corpus/empty.txt", "corpus/empty.txt: empty file"),
        (
            "corpus/latin1.txt",
            "corpus/latin1.txt: not valid UTF-8 (byte offset 3); if it is Latin-1/Windows-1252 text, convert it: "
            "iconv -f WINDOWS-1252 -t UTF-8 latin1.txt > latin1.txt.tmp && mv latin1.txt.tmp latin1.txt",
        ),
    )
    assert [(p.passage_id, p.section, p.text, p.markers) for p in corpus.passages] == [
        ("calf-p1", "Calf Guide", "Calf pain is common. It usually heals.", ()),
        ("guides-knee-html-p1", "Knee", "Knees bend & twist.", ()),
        ("guides-knee-md-p1", "Knee", "The knee is a joint [1].", ("1",)),
    ]
    assert corpus.references == ()


def test_title_falls_back_to_first_heading_then_file_name(tmp_path):
    corpus_dir = tmp_path / "docs"
    corpus_dir.mkdir()
    (corpus_dir / "a.txt").write_text("just some text without a heading.\n", encoding="utf-8")
    (corpus_dir / "b.md").write_text("Intro text.\n\n## Second Level\n\nMore text.\n", encoding="utf-8")
    corpus = load_corpus(corpus_dir)
    assert [(d.path, d.title) for d in corpus.documents] == [
        ("docs/a.txt", "a"),
        ("docs/b.md", "Second Level"),
    ]
    assert [p.section for p in corpus.passages] == ["a", "Second Level", "Second Level"]


def test_load_corpus_is_deterministic(tmp_path):
    corpus_dir = make_corpus(tmp_path)
    assert load_corpus(corpus_dir) == load_corpus(corpus_dir)


def test_missing_corpus_folder(tmp_path):
    with pytest.raises(CorpusError, match="does not exist"):
        load_corpus(tmp_path / "missing")


def test_corpus_fingerprint_hashes_corpus_files_and_sidecars(tmp_path):
    corpus_dir = make_corpus(tmp_path)
    (corpus_dir / "calf.meta.json").write_text('{"title": "Calf"}', encoding="utf-8")
    fp = corpus_fingerprint(corpus_dir)
    assert sorted(fp) == [
        "corpus/calf.meta.json",
        "corpus/calf.txt",
        "corpus/empty.txt",
        "corpus/guides/knee.html",
        "corpus/guides/knee.md",
        "corpus/latin1.txt",
    ]
    assert fp["corpus/calf.txt"] == hashlib.sha256((corpus_dir / "calf.txt").read_bytes()).hexdigest()
    (corpus_dir / "calf.txt").write_text("changed", encoding="utf-8")
    assert corpus_fingerprint(corpus_dir)["corpus/calf.txt"] != fp["corpus/calf.txt"]


# --- the seed article -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed(root):
    return load_corpus(root / "corpus"), (root / "corpus" / "calf-pain.txt").read_text(encoding="utf-8")


def letters_digits(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def test_seed_document(seed):
    corpus, raw = seed
    assert [(d.id, d.path, d.title, d.url, d.format, d.size) for d in corpus.documents] == [
        ("calf-pain", "corpus/calf-pain.txt", "Calf Pain", None, "txt", len(raw.encode()))
    ]
    assert corpus.skipped == ()


def test_seed_every_span_reads_as_its_passage(seed):
    corpus, raw = seed
    for p in corpus.passages:
        assert letters_digits(raw[p.source.start : p.source.end]) == letters_digits(p.text), p.passage_id
        for s in p.sentences:
            assert p.text[s.start : s.end] == s.text
            assert letters_digits(raw[s.source.start : s.source.end]) == letters_digits(s.text)


def test_seed_passages_are_chained_in_order(seed):
    corpus, _ = seed
    ids = [p.passage_id for p in corpus.passages]
    body = [p for p in corpus.passages if p.kind == "passage"]
    assert ids == [f"calf-pain-p{n}" for n in range(1, len(body) + 1)] + [
        f"calf-pain-r{n}" for n in range(1, SEED_REFERENCES + 1)
    ]
    assert [p.ordinal for p in corpus.passages] == list(range(1, len(ids) + 1))
    assert [p.previous_id for p in corpus.passages] == [None, *ids[:-1]]
    assert [p.next_id for p in corpus.passages] == [*ids[1:], None]
    words = [len(p.text.split()) for p in body]
    assert min(words) >= 5 and max(words) <= 80 and 20 <= statistics.median(words) <= 40


def test_seed_references(seed):
    corpus, raw = seed
    refs = corpus.references
    assert len(refs) == SEED_REFERENCES
    assert [r.id for r in refs] == [f"calf-pain-r{n}" for n in range(1, SEED_REFERENCES + 1)]
    by_id = {r.id: r for r in refs}
    mcdermott, neutze, gaunder = by_id["calf-pain-r3"], by_id["calf-pain-r7"], by_id["calf-pain-r17"]
    assert (mcdermott.authors, neutze.authors) == (("Mcdermott MM",), ("Neutze D", "Roque J"))
    assert (mcdermott.venue, mcdermott.year, mcdermott.details, mcdermott.doi) == (
        "Circ Res",
        2015,
        "116(9):1540-50",
        "10.1161/CIRCRESAHA.114.303517",
    )
    assert neutze.text == (
        "Neutze D, Roque J. Clinical evaluation of bleeding and bruising in primary care. Am Fam Physician. "
        "2016 Feb;93(4):279-285."
    )
    assert (gaunder.authors, gaunder.title, gaunder.venue, gaunder.url) == (
        ("Gaunder C", "McKinney B", "Rivera J"),
        "Popliteal artery entrapment or chronic exertional compartment syndrome?",
        "Case Rep Med",
        "https://doi.org/10.1155/2017/6981047",
    )
    assert raw[gaunder.source.start : gaunder.source.end].endswith("doi:10.1155/2017/6981047")
    orphans = [(r.title, r.year, r.doi) for r in refs if not r.title]
    assert orphans == [
        ("", 2018, "10.2519/jospt.2018.7192"),
        ("", 2022, "10.4103/SINGAPOREMEDJ.SMJ-2021-343"),
        ("", 2014, "10.4081/reumatismo.2013.715"),
    ]
    kaiser = by_id["calf-pain-r8"]
    assert (kaiser.organization, kaiser.title, kaiser.year, kaiser.doi) == (
        "Kaiser Permanente",
        "Wound hematoma evacuation: Care instructions",
        None,
        None,
    )
    reference_passages = [p for p in corpus.passages if p.kind == "reference"]
    assert [(p.passage_id, p.section, p.text, p.reference_id) for p in reference_passages] == [
        (r.id, "References", r.text, r.id) for r in refs
    ]


def test_seed_headings(root):
    from qa.ingest.structure import analyze
    from qa.ingest.textmap import MappedText

    raw = (root / "corpus" / "calf-pain.txt").read_text(encoding="utf-8")
    assert [h.text for h in analyze(MappedText.identity(raw)).headings] == [
        "Causes of Calf Pain",
        "Serious Causes of Calf Pain",
        "Achilles Tendonitis or Rupture",
        "Peroneal Nerve Entrapment",
        "Other Causes",
        "Calf Muscle Cramp",
        "How Long Do Calf Strains Last?",
        "Who Is At Greater Risk For Calf Pain?",
    ]


@pytest.mark.parametrize(
    ("passage_id", "section", "sentences"),
    [
        (
            "calf-pain-p1",
            "Calf Pain",
            (
                "There are many different causes of calf pain.",
                "The most common causes of calf pain are relatively harmless and readily treatable.",
            ),
        ),
        (
            "calf-pain-p3",
            "Causes of Calf Pain",
            ("Getting a proper diagnosis can ensure you get the treatment you need.",),
        ),
        (
            "calf-pain-p12",
            "Peroneal Nerve Entrapment",
            (
                "Nerve entrapment happens when calf nerves become compressed by the surrounding tissues.",
                "This is often referred to as a pinched nerve and can happen due to overuse or sudden trauma.",
            ),
        ),
        (
            "calf-pain-p17",
            "Calf Muscle Cramp",
            (
                "A calf muscle cramp is a sudden, involuntary contraction of one or more calf muscles.",
                'These are often referred to as "Charley horses."',
            ),
        ),
        (
            "calf-pain-p18",
            "Calf Muscle Cramp",
            (
                "Around 30-37% of all people experience calf cramps.",
                "The cramps can last between a few seconds and 10 minutes.",
                "It also stabilizes your posture as you walk or run, preventing you from falling forward.",
            ),
        ),
        (
            "calf-pain-p24",
            "Who Is At Greater Risk For Calf Pain?",
            (
                "They will likely perform other special tests if they suspect a certain diagnosis.",
                "The Thompson test is one example.",
                "Your healthcare provider then squeezes your calf muscle.",
            ),
        ),
        (
            "calf-pain-p27",
            "Who Is At Greater Risk For Calf Pain?",
            (
                "Also, don't walk or strain the muscle.",
                "If the pain or loss of mobility is severe, have the injury checked by a healthcare provider.",
            ),
        ),
    ],
)
def test_seed_repaired_passages(seed, passage_id, section, sentences):
    corpus, _ = seed
    (passage,) = [p for p in corpus.passages if p.passage_id == passage_id]
    assert (passage.section, passage.text) == (section, " ".join(sentences))
    assert tuple(s.text for s in passage.sentences) == sentences


def test_seed_passage_count_and_no_credit_line(seed):
    corpus, _ = seed
    body = [p for p in corpus.passages if p.kind == "passage"]
    assert len(body) == 30
    assert not [p.passage_id for p in corpus.passages if "Verywell" in p.text or "Verywell" in p.section]


def test_bom_and_crlf(tmp_path):
    corpus_dir = tmp_path / "corpus"
    corpus_dir.mkdir()
    raw = "\ufeffKnee Pain Basics\r\n\r\nThe knee hurts.\r\nIt heals\r\nslowly over weeks.\r\n"
    (corpus_dir / "knee.txt").write_bytes(raw.encode("utf-8"))
    corpus = load_corpus(corpus_dir)
    assert corpus.documents[0].title == "Knee Pain Basics"
    (p,) = corpus.passages
    assert (p.section, p.text) == ("Knee Pain Basics", "The knee hurts. It heals slowly over weeks.")
    assert raw[p.source.start : p.source.end] == "The knee hurts.\r\nIt heals\r\nslowly over weeks."
