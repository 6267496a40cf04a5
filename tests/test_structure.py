from pathlib import Path

import pytest

from qa.ingest.structure import (
    Line,
    analyze,
    find_reference_list,
    looks_like_citation,
    looks_like_heading,
    opens_item,
    split_sentences,
)
from qa.ingest.textmap import MappedText
from qa.models import Span


@pytest.mark.parametrize(
    "line",
    [
        "Causes of Calf Pain",
        "How Long Do Calf Strains Last?",
        "Who Is At Greater Risk For Calf Pain?",
        "Achilles Tendonitis or Rupture",
        "Overview",
        "SYMPTOMS",
        "Top 10 Causes",
        "  Peroneal Nerve Entrapment  ",
    ],
)
def test_heading_lines(line):
    assert looks_like_heading(line)


@pytest.mark.parametrize(
    "line",
    [
        "",
        "These are just a few examples.",
        "Calf pain is often brought on by muscle strain",
        "Symptoms Include:",
        "Causes, Risks,",
        "what causes Calf Pain",
        "Dr. Smith Explains Calf Pain",
        "One Two Three Four Five Six Seven Eight Nine Ten Eleven Twelve Thirteen",
        "2016",
        "Is it serious?",
    ],
)
def test_not_heading_lines(line):
    assert not looks_like_heading(line)


@pytest.mark.parametrize(
    "line",
    [
        "National Health Services.Deep vein thrombosis in pregnancy.",
        "Mcdermott MM.Lower extremity manifestations of peripheral artery disease.Circ Res.",
        "Neutze D, Roque J. Clinical evaluation of bleeding. Am Fam Physician. 2016 Feb;93(4):279-285.",
        "2015 Apr;116(9):1540-50. doi:10.1161/CIRCRESAHA.114.303517",
        "doi:10.1155/2017/6981047",
        "Mayo Clinic. Calf pain. https://www.mayoclinic.org/calf",
        "Smith AB, et al. A trial. Lancet. 2001.",
    ],
)
def test_citation_lines(line):
    assert looks_like_citation(line)


@pytest.mark.parametrize(
    "line",
    [
        "",
        "Around 3037% of all people experience calf cramps.The cramps can last minutes.",
        "These are just a few examples.",
        "Causes of Calf Pain",
        "The Achilles tendon is the largest tendon in the body.",
    ],
)
def test_not_citation_lines(line):
    assert not looks_like_citation(line)


BODY = ["Title Here", "", "First sentence here.", "", "Second one."]
CITES = ["Mayo Clinic.Calf pain.", "", "Smith J.A study.J Med. 2001;2(3):4-5."]


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (BODY, (5, 5)),
        (BODY + ["", *CITES], (6, 6)),
        (BODY + ["References", "", "Anything at all", "Second"], (6, 5)),
        (BODY + ["Sources:", "Mayo Clinic.Calf pain."], (6, 5)),
        (BODY + ["", "Mayo Clinic.Calf pain."], (7, 7)),  # a single citation-like line is not a list
        (BODY + CITES[:1] + ["Not a citation", "Neither is this", *CITES], (8, 8)),
        (BODY + CITES[:1] + ["Not a citation", *CITES], (5, 5)),
        # the word in capitals or lower case is a key word or an option, not a heading, unless citations follow
        (BODY + ["REFERENCES", "TRIGGER", "CREATE", "TRUNCATE", "x"], (10, 10)),  # PostgreSQL's privileges
        (BODY + ["reference", "", "<abbrev-hash> (<title-line>)", "This format refers to a commit."], (9, 9)),
        (BODY + ["--reference", "Refer to the commit using this format."], (7, 7)),
        (BODY + ["SOURCES", "", *CITES], (6, 5)),  # a quarter of the lines after it look like citations
        (BODY + ["REFERENCES", *CITES[:1], "TRIGGER", "CREATE", "TRUNCATE"], (6, 5)),
        (BODY + ["REFERENCES", *CITES[:1], "TRIGGER", "CREATE", "TRUNCATE", "x"], (11, 11)),  # one in five
    ],
)
def test_find_reference_list(lines, expected):
    assert find_reference_list(lines) == expected


def test_analyze_sections_paragraphs_sentences_and_spans():
    raw = (
        "Intro line one. Intro two.\n\nCauses of Pain\n\n"
        "A long hard-wrapped sentence that goes on and on and\n"
        "on until it ends here. Next one!\nA list item\nAnother item\n\nWhen To Worry\n\nReferences\n\n"
        "Mayo Clinic.Calf pain.\n"
    )
    st = analyze(MappedText.identity(raw))
    assert [h.text for h in st.headings] == ["Causes of Pain", "When To Worry"]
    assert [(s.heading, [[line.text for line in p] for p in s.paragraphs]) for s in st.sections] == [
        (None, [["Intro line one.", "Intro two."]]),
        (
            "Causes of Pain",
            [
                ["A long hard-wrapped sentence that goes on and on and on until it ends here.", "Next one!"],
                ["A list item"],
                ["Another item"],
            ],
        ),
        ("When To Worry", []),
    ]
    sentence = st.sections[1].paragraphs[0][0]
    assert raw[sentence.source.start : sentence.source.end].split() == sentence.text.split()
    assert st.headings[0].source == Span(raw.index("Causes"), raw.index("Causes") + len("Causes of Pain"))
    start = raw.index("Mayo")
    assert st.references == (Line("Mayo Clinic.Calf pain.", Span(start, start + 22)),)


def test_markup_headings_replace_the_heading_heuristic():
    raw = "Looks Like A Heading\nReal heading\nText of it.\n"
    st = analyze(MappedText.identity(raw), {1: 2})
    assert [h.text for h in st.headings] == ["Real heading"]
    assert [(s.heading, len(s.paragraphs)) for s in st.sections] == [(None, 1), ("Real heading", 1)]


def test_repair_runs_on_the_body_only(monkeypatch):
    def shout(text: MappedText, protected=(), lexicon=None) -> MappedText:
        return MappedText(text.text.upper(), text.starts, text.ends, text.raw_length)

    monkeypatch.setattr("qa.ingest.repair.repair", shout)
    raw = "Body text here.\n\nMayo Clinic.Calf pain.\nSmith J.A study.J Med. 2001;2(3):4-5.\n"
    st = analyze(MappedText.identity(raw))
    assert [line.text for p in st.sections[0].paragraphs for line in p] == ["BODY TEXT HERE."]
    assert [line.text for line in st.references] == [
        "Mayo Clinic.Calf pain.",
        "Smith J.A study.J Med. 2001;2(3):4-5.",
    ]


NEWS = Path(__file__).parent / "data" / "valgrind-news.txt"  # excerpts of Valgrind 3.19's NEWS, unchanged lines


def test_list_items_of_a_plain_text_news_file_stay_apart():
    st = analyze(MappedText.identity(NEWS.read_text(encoding="utf-8")))
    paragraphs = [[line.text for line in p] for p in st.sections[1].paragraphs]
    assert paragraphs[2:9] == [
        ["* Fix Rust v0 name demangling."],
        ["* The Linux rseq syscall is now implemented as (silently) returning ENOSYS."],
        ["* Add FreeBSD syscall wrappers for __specialfd and __realpathat."],
        ["* Remove FreeBSD dependencies on COMPAT10, which fixes compatibility with HardenedBSD"],
        ["* ================== PLATFORM CHANGES ================="],
        ["* arm64:"],
        [
            '- ignore the "v8.x" architecture levels, only look at actual CPU features present.',
            "Fixes mismatch detected between RDMA and atomics features preventing startup on some QEMU configurations.",
        ],
    ]
    assert paragraphs[9] == ["- Implement LD{,A}XP and ST{,L}XP"]
    assert paragraphs[13:22] == [
        ["403802 leak_cpp_interior fails with some reachable blocks different than expected"],
        ["435732 memcheck/tests/leak_cpp_interior fails with gcc11"],
        ["444242 s390x: Valgrind crashes on EXRL with negative offset"],
        ["444399 arm64: unhandled instruction 0xC87F2D89 (LD{,A}XP and ST{,L}XP)."],
        ["445668 Inline stack frame generation is broken for Rust binaries"],
        ["445916 Demangle Rust v0 symbols with .llvm suffix"],
        ['434193 GCC 9+ inlined strcmp causes "Conditional jump or move [..] value" report'],
        ["n-i-bz helgrind: If hg_cli__realloc fails, return NULL."],
        ["n-i-bz arm64 front end: avoid Memcheck false positives relating to CPUID"],
    ]
    # a wrapped line that starts with a number ("48.  The default…") continues its sentence
    assert paragraphs[23] == [
        "* The translation cache size has been increased to keep up with the demands of large applications.",
        "The maximum number of sectors has increased from 24 to 48.",
        "The default number of sectors has increased from 16 to 32 on all targets except Android, where the "
        "increase is from 6 to 12.",
    ]
    assert len(paragraphs) == 24


@pytest.mark.parametrize(
    ("previous", "line", "opens"),
    [
        ("* Remove FreeBSD dependencies on COMPAT10, which fixes compatibility with HardenedBSD", "* ===", True),
        ("  - Implement LD{,A}XP and ST{,L}XP", "- Fix incorrect code emitted for doubleword CAS.", True),
        ("445668  Inline stack frame generation is broken for Rust binaries", "445916  Demangle Rust v0", True),
        ("445916  Demangle Rust v0 symbols with .llvm suffix", "n-i-bz  helgrind: If hg_cli__realloc fails", True),
        ("• a first item that runs long enough to be read as a hard-wrapped line", "• the second", True),
        ("1. Build the index from the folder of documents that you want to ask about", "2. Ask", True),
        ("1) Build the index from the folder of documents that you want to ask about", "2) Ask", True),
        ("The maximum number of sectors has increased from 24 to", "48.  The default number", False),
        ("every change since release", "2022  was a good year", False),  # a year is no bug number (5 digits or more)
        ("the option takes a value", "-n is its short form", False),  # no space after the dash
        ("the counts of", "12 files", False),
        ("a line", "plain words", False),
    ],
)
def test_opens_item(previous, line, opens):
    assert opens_item(previous.strip(), line.strip()) is opens


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        (  # Valgrind's Quick Start
            "Your program will run much slower (eg. 20 to 30 times) than normal, and use a lot more memory. "
            "Memcheck will issue messages about memory errors and leaks that it detects.",
            [
                "Your program will run much slower (eg. 20 to 30 times) than normal, and use a lot more memory.",
                "Memcheck will issue messages about memory errors and leaks that it detects.",
            ],
        ),
        (  # Valgrind's FAQ
            'The "grind" is pronounced with a short \'i\' -- ie. "grinned" (rhymes with "tinned") rather than '
            '"grined" (rhymes with "find").',
            [
                'The "grind" is pronounced with a short \'i\' -- ie. "grinned" (rhymes with "tinned") rather '
                'than "grined" (rhymes with "find").'
            ],
        ),
        (
            "Sentences are split by Punkt (cf. NLTK's manual). Its abbreviations, viz. the list here, never end one.",
            [
                "Sentences are split by Punkt (cf. NLTK's manual).",
                "Its abbreviations, viz. the list here, never end one.",
            ],
        ),
    ],
)
def test_abbreviations_never_end_a_sentence(text, sentences):
    assert [line.text for line in split_sentences(MappedText.identity(text), 0, len(text))] == sentences
