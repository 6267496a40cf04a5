from pathlib import Path

import pytest

from qa.ingest.structure import (
    Line,
    analyze,
    find_reference_list,
    is_heading_line,
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
        (BODY + ["References", "", "Anything at all", "Second"], (9, 9)),  # nothing under it looks like an entry
        (BODY + ["References", "", "Anything at all", "Mayo Clinic. Calf pain."], (6, 5)),  # a line of 4 words
        (BODY + ["References", "", "Anything at all", *CITES[:1]], (6, 5)),  # a citation
        # the audit-events table of Python's library reference: a column named References over event names
        (
            BODY
            + [
                "Audit event",
                "",
                "Arguments",
                "",
                "References",
                "",
                "array.__new__",
                "",
                "typecode, initializer",
                "",
                "[1]",
                "",
                "builtins.breakpoint",
                "",
                "breakpointhook",
                "",
                "[1]",
            ],
            (22, 22),
        ),
        (BODY + ["Citations", "", "[C99] ", "", "ISO/IEC 9899:1999. “Programming languages – C.”"], (6, 5)),
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
    paragraphs = [[line.text for line in p] for p in st.sections[0].paragraphs]
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
    assert paragraphs[12:21] == [
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
    assert paragraphs[22] == [
        "* The translation cache size has been increased to keep up with the demands of large applications.",
        "The maximum number of sectors has increased from 24 to 48.",
        "The default number of sectors has increased from 16 to 32 on all targets except Android, where the "
        "increase is from 6 to 12.",
    ]
    assert len(paragraphs) == 23


def test_a_wrapped_line_of_a_news_file_is_no_heading_and_a_quote_ends_no_line():
    st = analyze(MappedText.identity(NEWS.read_text(encoding="utf-8")))
    # "X86/Solaris, AMD64/Solaris, AMD64/MacOSX 10.12, X86/FreeBSD and" ends with "and" after a line ending with ","
    assert [line.text for line in st.headings] == ["Release 3.19.0 (11 Apr 2022)"]
    assert [(s.heading, s.path) for s in st.sections] == [
        ("Release 3.19.0 (11 Apr 2022)", ("Release 3.19.0 (11 Apr 2022)",))
    ]
    paragraphs = [[line.text for line in p] for p in st.sections[0].paragraphs]
    assert paragraphs[0] == [  # the "~~~~" underline is no text
        "This release supports X86/Linux, AMD64/Linux, ARM32/Linux, ARM64/Linux, PPC32/Linux, PPC64BE/Linux, "
        "PPC64LE/Linux, S390X/Linux, MIPS32/Linux, MIPS64/Linux, ARM/Android, ARM64/Android, MIPS32/Android, "
        "X86/Android, X86/Solaris, AMD64/Solaris, AMD64/MacOSX 10.12, X86/FreeBSD and AMD64/FreeBSD.",
        "There is also preliminary support for X86/macOS 10.13, AMD64/macOS 10.13 and nanoMIPS/Linux.",
    ]
    assert paragraphs[11][1] == (  # 'Note that "n-i-bz"' ends a line, not the sentence
        'Note that "n-i-bz" stands for "not in bugzilla" -- that is, a bug that was reported to us but never got a '
        "bugzilla entry."
    )


FAQ = Path(__file__).parent / "data" / "valgrind-faq.txt"  # the start of Valgrind 3.19's FAQ.txt, unchanged lines


def test_section_numbers_stay_with_their_sentence_and_rulers_are_no_text():
    st = analyze(MappedText.identity(FAQ.read_text(encoding="utf-8")))
    assert [line.text for line in st.headings] == ["Valgrind FAQ", "Release 3.19.0 11 Apr 2022", "Table of Contents"]
    paragraphs = [[line.text for line in p] for p in st.sections[2].paragraphs]
    assert paragraphs == [
        ["1. Background"],
        ["2. Compiling, installing and configuring"],
        ["3. Valgrind aborts unexpectedly"],
        ["4. Valgrind behaves unexpectedly"],
        ["5. Miscellaneous"],
        ["6. How To Get Further Assistance"],
        ["1. Background"],
        ['1.1. How do you pronounce "Valgrind"?'],
        [
            'The "Val" as in the word "value".',
            'The "grind" is pronounced with a short \'i\' -- ie. "grinned" (rhymes with "tinned") rather than '
            '"grined" (rhymes with "find").',
        ],
        ["Don't feel bad: almost everyone gets it wrong at first."],
        ['1.2. Where does the name "Valgrind" come from?'],
        [
            "From Nordic mythology.",
            "Originally (before release) the project was named Heimdall, after the watchman of the Nordic gods.",
            'He could "see a hundred miles by day or night, hear the grass growing, see the wool growing on a '
            "sheep's back\", etc. This would have been a great name, but it was already taken by a security "
            'package "Heimdal".',
        ],
    ]
    raw = FAQ.read_text(encoding="utf-8")
    numbered = st.sections[2].paragraphs[7][0]
    assert raw[numbered.source.start : numbered.source.end] == '1.1. How do you pronounce "Valgrind"?'


@pytest.mark.parametrize(
    ("lines", "heading"),
    [
        (["Release 3.19.0 (11 Apr 2022)"], True),
        (["MIPS64/Linux, ARM/Android, ARM64/Android,", "X86/Solaris, AMD64/Solaris, AMD64/MacOSX 10.12"], False),
        (["", "X86/Solaris, AMD64/Solaris, AMD64/MacOSX 10.12, X86/FreeBSD and"], False),  # ends with "and"
        (["", "Causes of"], False),
        (["", "Signs or"], False),
        (["Body text ends here.", "Causes of Calf Pain"], True),
        (["", "How Long Do Cramps Last?"], True),
    ],
)
def testis_heading_line(lines, heading):
    numbered = [(t, 0, 0) for t in lines]
    assert is_heading_line(numbered, len(lines) - 1) is heading


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


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        (  # git-log's --abbrev-commit: Punkt's first sentence took the quote that opens the second
            "Instead of showing the full 40-byte hexadecimal commit object name, show a prefix that names the object "
            'uniquely. "--abbrev=<n>" (which also modifies diff output, if it is displayed) option can be used to '
            "specify the minimum length of the prefix.",
            [
                "Instead of showing the full 40-byte hexadecimal commit object name, show a prefix that names the "
                "object uniquely.",
                '"--abbrev=<n>" (which also modifies diff output, if it is displayed) option can be used to specify '
                "the minimum length of the prefix.",
            ],
        ),
        (  # a closing quote after the period stays
            'The "Val" as in the word "value." The "grind" rhymes with “tinned.” Both.',
            ['The "Val" as in the word "value."', 'The "grind" rhymes with “tinned.”', "Both."],
        ),
        (  # SciFact 144801076: a space before the quote that closes "in love.
            "In Study I, the 7-item Relationship Assessment Scale (RAS) was administered to 125 subjects who reported "
            'themselves to be "in love. " Analyses revealed a unifactorial scale structure.',
            [
                "In Study I, the 7-item Relationship Assessment Scale (RAS) was administered to 125 subjects who "
                'reported themselves to be "in love. "',
                "Analyses revealed a unifactorial scale structure.",
            ],
        ),
        ("He said: “Stop. “Go on,” she said.", ["He said: “Stop.", "“Go on,” she said."]),  # a curly one opens
        (  # SciFact 27768226 (curly quotes there, straight after repair): the quote closes one opened before
            'the start of his review: "Many (most) of the papers and presentations I have read/seen on this topic have '
            "completely failed to address the kinds of confounding issues that are so convincingly tackled here. For "
            'that reason alone, this paper deserves to be published and alerted to the widest possible audience. " '
            "In addition to providing evidence for the immediate advantage of open access, Eysenbach's analysis also "
            "highlights several potential challenges to its long-term future.",
            [
                'the start of his review: "Many (most) of the papers and presentations I have read/seen on this topic '
                "have completely failed to address the kinds of confounding issues that are so convincingly tackled "
                "here.",
                "For that reason alone, this paper deserves to be published and alerted to the widest possible "
                'audience. "',
                "In addition to providing evidence for the immediate advantage of open access, Eysenbach's analysis "
                "also highlights several potential challenges to its long-term future.",
            ],
        ),
        (  # Valgrind's FAQ (FAQ.txt and faq.html): the question's number opens it
            '1.1. How do you pronounce "Valgrind"? The "Val" as in the word "value".',
            ['1.1. How do you pronounce "Valgrind"?', 'The "Val" as in the word "value".'],
        ),
        (  # SQLite's "NULL Handling" notes
            "2. Test data unavailable. 3. MySQL version 3.23.41 does not support UNION.",
            ["2. Test data unavailable.", "3. MySQL version 3.23.41 does not support UNION."],
        ),
        ("1.", ["1."]),  # a number alone has no sentence to open
        (  # a caption's label (Debian Reference, the Debian Administrator's Handbook) stays with its title
            "Table 1.1. List of interesting text-mode program packages",
            ["Table 1.1. List of interesting text-mode program packages"],
        ),
        ("Figure 3.1. Coexistence of Debian. It works.", ["Figure 3.1. Coexistence of Debian.", "It works."]),
        (  # a table row's cells (qa.ingest.htmltext.CELL_SEPARATOR) stay one sentence after a cell's period
            "Does the LDAP database require logging in? | no Next one.",
            ["Does the LDAP database require logging in? | no Next one."],
        ),
        ("It is done. That is all.", ["It is done.", "That is all."]),  # two words before the end: no label
        ("It grew from 24 to 48. The default is 32.", ["It grew from 24 to 48.", "The default is 32."]),
    ],
)
def test_opening_quotes_and_section_numbers_stay_with_their_sentence(text, sentences):
    lines = split_sentences(MappedText.identity(text), 0, len(text))
    assert [line.text for line in lines] == sentences
    assert [text[line.source.start : line.source.end] for line in lines] == sentences


ROBOTPARSER = (  # the end of the Python library's urllib.robotparser page, as extracted; the example is a <pre>
    "The following example demonstrates basic use of the RobotFileParser class:\n\n"
    ">>> import urllib.robotparser\n>>> rp = urllib.robotparser.RobotFileParser()\n"
    '>>> rp.set_url("http://www.musi-cal.com/robots.txt")\n>>> rp.read()\n>>> rrate = rp.request_rate("*")\n'
    '>>> rrate.requests\n3\n>>> rrate.seconds\n20\n>>> rp.crawl_delay("*")\n6\n'
    '>>> rp.can_fetch("*", "http://www.musi-cal.com/cgi-bin/search?city=San+Francisco")\nFalse\n'
    '>>> rp.can_fetch("*", "http://www.musi-cal.com/")\nTrue\n\n'
)


def test_an_example_with_urls_at_the_end_is_code_not_a_reference_list():
    start = ROBOTPARSER.index(">>>")
    st = analyze(MappedText.identity(ROBOTPARSER), code_blocks=[(start, len(ROBOTPARSER) - 2)])
    assert st.references == ()
    paragraphs = st.sections[0].paragraphs
    assert [line.text for line in paragraphs[0]] == [
        "The following example demonstrates basic use of the RobotFileParser class:"
    ]
    assert paragraphs[1][0].code and paragraphs[1][0].text == ROBOTPARSER[start:].strip()
    # without the code block the lines with URLs read as citations (the index held them as 4 reference entries)
    assert len(analyze(MappedText.identity(ROBOTPARSER)).references) == 4


@pytest.mark.parametrize(
    ("lines", "marked", "expected"),
    [
        # Debian Reference's table of archive files: a cell "Sources" is no heading on a page that marks its own
        (
            [
                "2.5.1. Archive meta data",
                "",
                "Packages",
                "",
                "Sources",
                "",
                "top of each distribution/area/source combination",
                "",
                '2.5.2. Top level "Release" file and authenticity',
                "",
                "Tip",
            ],
            {0, 8},
            (11, 11),
        ),
        # a marked References heading heads the list
        (
            [
                "Body text here.",
                "References",
                "Mayo Clinic. Calf pain.",
                "Smith J. A study. J Med. 2001;2(3):4-5.",
                "See also",
                "Related pages on calf pain and cramps.",
            ],
            {1, 4},
            (2, 1),
        ),
        (["Body text here.", "References", "Mayo Clinic. Calf pain."], None, (2, 1)),  # a text marks nothing
    ],
)
def test_on_a_page_with_heading_markup_only_a_heading_heads_a_reference_list(lines, marked, expected):
    assert find_reference_list(lines, None if marked is None else frozenset(marked)) == expected
