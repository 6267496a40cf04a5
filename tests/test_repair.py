from __future__ import annotations

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.cli import main
from qa.ingest.repair import _apply, normalize, repair, repair_text
from qa.ingest.textmap import MappedText, TextBuilder

INSERTED = " '-"


def assert_offsets(raw: str, mt: MappedText) -> None:
    """Every output character points at its source: copies at themselves, insertions are points."""
    assert mt.raw_length == len(raw)
    assert len(mt.starts) == len(mt.ends) == len(mt.text)
    for i, ch in enumerate(mt.text):
        s, e = mt.starts[i], mt.ends[i]
        assert 0 <= s <= e <= len(raw)
        if i:
            assert mt.starts[i - 1] <= s and mt.ends[i - 1] <= e
        if s == e:
            assert ch in INSERTED, (i, ch)
        elif e - s == 1 and raw[s] == ch:
            continue
        else:  # a replaced run: the character came from a non-ASCII run of the raw text
            assert not raw[s:e].isascii() or (ch == "I" and raw[s:e] == "i"), (i, ch, raw[s:e])


def assert_only_insertions(raw: str, mt: MappedText) -> None:
    """Body rules on ASCII text only insert: dropping the inserted characters gives back the raw text."""
    assert_offsets(raw, mt)
    kept = "".join(ch for i, ch in enumerate(mt.text) if mt.starts[i] < mt.ends[i])
    assert kept == raw
    for i, ch in enumerate(mt.text):
        if mt.starts[i] < mt.ends[i]:
            assert raw[mt.starts[i] : mt.ends[i]] == ch


# --- glued words ---------------------------------------------------------------------------------

GLUED = [
    (
        "The most common causes ofcalf painare relatively harmless.",
        "The most common causes of calf pain are relatively harmless.",
    ),
    ("Gastrocnemiusstrains often happen during sports.", "Gastrocnemius strains often happen during sports."),
    (
        "This is often referred to as apinched nerveand can happen.",
        "This is often referred to as a pinched nerve and can happen.",
    ),
    (
        "Theperonealnerve is most prone to nerve entrapment.",
        "The peroneal nerve is most prone to nerve entrapment.",
    ),
    ("Acalf muscle crampis a sudden contraction.", "A calf muscle cramp is a sudden contraction."),
    ("TheThompson testis one example.", "The Thompson test is one example."),
    (
        "Less commonly, acortisone steroid injectionmay be used.",
        "Less commonly, a cortisone steroid injection may be used.",
    ),
    # the same damage on other text
    (
        "Drink water to avoid theblood pressure dropthat follows.",
        "Drink water to avoid the blood pressure drop that follows.",
    ),
    ("Rest helps theankle sprainsrecover faster.", "Rest helps the ankle sprains recover faster."),
    ("Ask about theknee replacement surgeryoptions.", "Ask about the knee replacement surgery options."),
    ("Symptoms ofheart diseasecan differ in women.", "Symptoms of heart disease can differ in women."),
    ("It is known as aheart attackand needs care.", "It is known as a heart attack and needs care."),
    ("Theshoulder joint is very mobile.", "The shoulder joint is very mobile."),
    ("Only asmall numberof patients need surgery.", "Only a small number of patients need surgery."),
    ("Read the guide onMaternaland child health.", "Read the guide on Maternal and child health."),
]


@pytest.mark.parametrize(("raw", "expected"), GLUED)
def test_glued_words_are_split_with_insertions_only(raw, expected):
    mt = repair(MappedText.identity(raw))
    assert mt.text == expected
    assert_only_insertions(raw, mt)


def test_seed_glue_offsets_point_into_the_raw_line():
    raw = "x\nLess commonly, acortisone steroid injectionmay be used.\n"
    mt = repair(MappedText.identity(raw))
    i = mt.text.index("cortisone steroid injection")
    a, b = mt.span(i, i + len("cortisone steroid injection"))
    assert raw[a:b] == "cortisone steroid injection"
    space = mt.text.index(" cortisone")
    assert mt.starts[space] == mt.ends[space] == raw.index("cortisone")
    assert raw[slice(*mt.span(i - 2, i + len("cortisone steroid injection may")))] == "acortisone steroid injectionmay"


REAL_WORDS = [
    "While anyone can get osteomyelitis, it is more common in children.",
    "The gastrocnemius and soleus muscles form the calf.",
    "Your popliteus tendon and popliteus muscle work together.",
    "Popliteus tendonitis happens when the tendon is inflamed.",
    "The plantaris muscle is small.",
    "The Stone Clinic. Plantaris injury.",
    "The testis is an organ.",
    "The testis is an organ of the Thompson family.",
    "This throw in of ultrasound is used to check the blood flow.",
    "Dr. McDermott and Dr. McKinney reviewed the scans on an iPhone.",
    "JavaScript tutorials on YouTube helped the PhD student.",
    "COVID-19 cases rose in 2020 and fell in 2021.",
    "See https://www.example.com/calfpain/index.html or write to info@example.org.",
    "doi:10.1161/CIRCRESAHA.114.303517 and doi:10.4103/1947-2714.143278",
    "Call 555-123-4567 or +1 (800) 555-0199 before 10:30.",
    "A well-known, long-term, follow-up study of 1,540 people found 100% recovery.",
    "Node.js and Vue.js apps use e.g. JSON; the U.S. and U.K. differ.",
    "Immunosuppressor drugs, hyperintensities and chemoresistance were studied.",
    "Formins bind abasic sites. Claspin is in assays of histone acetyltransferases.",
    "The isoform was measured in intracisternal samples of albumin.",
    "Northbrook and Verywell are names; so is Seong.",
    "Wont you stay? Its wont. We were well. The shell is ill. Id and ego. Lets go.",
    "Patients received 5 mg im twice daily; Jony Ive designed it.",
    "Acetaminophen and ibuprofen are pain relievers; anticoagulants thin blood.",
    "",
    "   ",
]


@pytest.mark.parametrize("raw", REAL_WORDS)
def test_intact_text_is_unchanged(raw):
    mt = repair(MappedText.identity(raw))
    assert mt.text == raw
    assert_offsets(raw, mt)


# --- sentence ends, ranges, contractions -------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "people experience calf cramps.The cramps can last.",
            "people experience calf cramps. The cramps can last.",
        ),
        ("It hurts.Rest helps.", "It hurts. Rest helps."),
        ("Seen in London.Treatment varies.", "Seen in London. Treatment varies."),
    ],
)
def test_sentence_glue_gets_a_space(raw, expected):
    mt = repair(MappedText.identity(raw))
    assert mt.text == expected
    assert_only_insertions(raw, mt)


@pytest.mark.parametrize(
    "raw",
    [
        "Use e.g. ice or rest, i.e. nothing.",
        "Born in the U.S.A. and raised in the U.K.",
        "It was 3.5 cm long.",
        "Visit www.Example.Com or mail someone@Example.Org.",
        "doi:10.1161/circ.Research",
        "Node.js and Console.WriteLine run.",
        "Call System.Out(x) now.",
        # a type in braces, as Node.js's API reference writes one it does not link (366 on its pages)
        "Returns: {http.Server} The server.",
        "src {stream.Readable} source stream that is piping to this writable",
    ],
)
def test_sentence_glue_leaves_abbreviations_numbers_and_urls(raw):
    assert repair_text(raw) == raw


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Around 3037% of all people", "Around 30-37% of all people"),
        ("in 1020 percent of cases", "in 10-20 percent of cases"),
        ("rose by 50100% overall", "rose by 50-100% overall"),
    ],
)
def test_lost_range_dash_is_restored(raw, expected):
    mt = repair(MappedText.identity(raw))
    assert mt.text == expected
    assert_only_insertions(raw, mt)


@pytest.mark.parametrize(
    "raw",
    [
        "In 2015 the rate was 100% and 1540 people took part.",
        "A 3730% rise",  # not a rising range
        "Growth of 2015% was reported",
        "id 12345678% and 0.3037%",
        "Call 5551234 today",
        "It cost $1020% more",
        "From 1998 to 2003, 35% recovered.",
    ],
)
def test_numbers_that_are_not_ranges_are_unchanged(raw):
    assert repair_text(raw) == raw


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Also, dont walk or strain the muscle.", "Also, don't walk or strain the muscle."),
        ("Dont panic. DONT run.", "Don't panic. DON'T run."),
        ("It doesnt and it didnt; it isnt, they arent.", "It doesn't and it didn't; it isn't, they aren't."),
        ("You cant and couldnt, shouldnt, wouldnt.", "You can't and couldn't, shouldn't, wouldn't."),
        ("youre sure theyre here, weve seen, youve won", "you're sure they're here, we've seen, you've won"),
        ("Thats it. Theres more. Whats next?", "That's it. There's more. What's next?"),
        ("ive tried. Im fine.", "I've tried. I'm fine."),
    ],
)
def test_missing_apostrophes_are_restored(raw, expected):
    mt = repair(MappedText.identity(raw))
    assert mt.text == expected
    assert_offsets(raw, mt)


@pytest.mark.parametrize(
    "raw",
    [
        "A wont to wander; its tail; we were well.",
        "The shell, ill, hell and id; lets see.",
        "Jony Ive and the IM dose; give 5 mg im.",
        "Files: dont.txt, https://x.org/dont, don-t, dont_use, @dont",
        "Don't and can't stay as they are.",
    ],
)
def test_ambiguous_or_intact_contractions_are_unchanged(raw):
    assert repair_text(raw) == raw


# --- image credits -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "Verywell / Joshua Seong",
        "Getty Images",
        "Tom Merton / Getty Images",
        "Photo: Jane Doe / Reuters",
        "Image credit: NASA",
        "Illustration by Jessica Olah",
        "Photograph courtesy of the author",
        "© 2021 Shutterstock",
    ],
)
def test_image_credit_lines_become_empty(line):
    raw = f"Intro.\n{line}\nBody text here."
    mt = repair(MappedText.identity(raw))
    assert mt.text == "Intro.\n\nBody text here."
    assert_offsets(raw, mt)


@pytest.mark.parametrize(
    "line",
    [
        "Causes of Calf Pain",
        "Input / Output Devices",
        "Popliteus / Plantaris Injuries",
        "Strains / Sprains",
        "Getty Images Settles Lawsuit Over Photos.",
        "The photo shows a calf muscle.",
        "Image quality matters for diagnosis.",
        "How Long Do Calf Strains Last?",
    ],
)
def test_headings_and_sentences_are_not_credits(line):
    assert repair_text(f"Intro.\n{line}\nBody.") == f"Intro.\n{line}\nBody."


# --- Unicode -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("it’s “Charley horses.”", 'it\'s "Charley horses."'),
        ("itâ€™s the worldâ€™s cafÃ©", "it's the world's café"),
        ("a\u00a0b\u2009c\u202fd\u3000e", "a b c d e"),
        ("\ufb01ne \ufb02u o\ufb03ce", "fine flu office"),
        ("\ufeffzero\u200bwidth\u2060 soft\u00adhyphen", "zerowidth softhyphen"),
        ("pages 10–20 and 1990—1995", "pages 10-20 and 1990-1995"),
    ],
)
def test_normalize_fixes_unicode(raw, expected):
    mt = normalize(MappedText.identity(raw))
    assert mt.text == expected
    assert_offsets(raw, mt)


@pytest.mark.parametrize(
    "raw",
    [
        "calf – pain — words stay, café, naïve, 東京, שלום, Ελλάδα",
        "emoji 👨\u200d👩\u200d👧 and flags 🇫🇷",
        "x\u0301 combining",
    ],
)
def test_normalize_keeps_other_unicode(raw):
    assert normalize(MappedText.identity(raw)).text == raw


def test_mojibake_replacement_maps_to_its_run():
    raw = "the worldâ€™s best"
    mt = normalize(MappedText.identity(raw))
    i = mt.text.index("'")
    assert (mt.starts[i], mt.ends[i]) == (raw.index("â"), raw.index("â") + 3)
    lig = normalize(MappedText.identity("of\ufb01ce"))
    assert lig.text == "office"
    assert list(lig.starts) == [0, 1, 2, 2, 3, 4] and list(lig.ends) == [1, 2, 3, 3, 4, 5]


# --- the stage as a whole ------------------------------------------------------------------------


def test_repair_of_a_slice_maps_into_the_whole_document():
    raw = "HEADER\nAround 3037% of all people ofcalf painare here.\nREFS"
    whole = MappedText.identity(raw)
    start, end = raw.index("Around"), raw.index("\nREFS")
    mt = repair(whole.slice(start, end))
    assert mt.text == "Around 30-37% of all people of calf pain are here."
    assert mt.raw_length == len(raw)
    assert mt.span(0, len(mt.text)) == (start, end)
    i = mt.text.index("calf")
    assert raw[slice(*mt.span(i, i + 4))] == "calf"


def test_apply_matches_textbuilder_then():
    base = normalize(MappedText.identity("a\u00a0ofcalf\ufb01 x"))
    edits = [(1, 2, "--"), (4, 4, " "), (9, 9, "!")]
    fast = _apply(base, edits)
    b = TextBuilder(len(base.text))
    b.copy(base.text[0], 0)
    b.replace("--", 1, 2)
    b.copy(base.text[2:4], 2)
    b.insert(" ", 4)
    b.copy(base.text[4:9], 4)
    b.insert("!", 9)
    b.copy(base.text[9:], 9)
    slow = base.then(b.build())
    assert (fast.text, list(fast.starts), list(fast.ends)) == (slow.text, list(slow.starts), list(slow.ends))


@pytest.mark.parametrize(
    "raw",
    [
        "\x00",
        "a\x00b ofcalf\x00painare",
        "\u200f\u202eRTL marks\u202c\u200e",
        "e\u0301\u0301\u0301 combining",
        "😀🙃 emoji ofcalf painare 😀",
        "x" * 10_000,
        "ofcalf" * 2_000,
        "\n\n\r\n\u2028\u2029\x85\n",
        "\ud800 lone surrogate",
        "Ã" * 50,
    ],
)
def test_never_crashes_and_keeps_lines(raw):
    mt = repair(MappedText.identity(raw))
    assert mt.text.count("\n") == raw.count("\n")
    assert_offsets(raw, mt)
    assert repair_text(mt.text) == mt.text


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.text(alphabet=st.sampled_from(list("ofcalpinre .%30\n’\u00a0TAé-dnt")), max_size=80))
def test_properties_on_random_text(raw):
    mt = repair(MappedText.identity(raw))
    assert mt.text.count("\n") == raw.count("\n")
    assert_offsets(raw, mt)
    assert repair_text(mt.text) == mt.text


@pytest.fixture(scope="module")
def common_words() -> list[str]:
    from wordfreq import top_n_list

    from qa.ingest.repair import _CONTRACTIONS

    return [w for w in top_n_list("en", 3000) if w.isascii() and w.isalpha() and w not in _CONTRACTIONS]


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.data())
def test_prose_of_known_words_is_unchanged(common_words, data):
    words = data.draw(st.lists(st.sampled_from(common_words), min_size=1, max_size=30))
    seps = data.draw(
        st.lists(st.sampled_from([" ", " ", " ", ", ", ". ", "\n"]), min_size=len(words), max_size=len(words))
    )
    raw = "".join(f"{w}{sep}" for w, sep in zip(words, seps, strict=True))
    assert repair_text(raw) == raw


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.text(max_size=60))
def test_properties_on_any_unicode(raw):
    mt = repair(MappedText.identity(raw))
    assert mt.text.count("\n") == raw.count("\n")
    assert_offsets(raw, mt)


# --- the seed article ----------------------------------------------------------------------------

SEED_CHANGES = [  # (raw line, repaired line) for every body line that changes
    (
        "The most common causes ofcalf painare relatively harmless",
        "The most common causes of calf pain are relatively harmless",
    ),
    ("Verywell / Joshua Seong", ""),
    (
        "While anyone can get osteomyelitis, it’s more common",
        "While anyone can get osteomyelitis, it's more common",
    ),
    ("Gastrocnemiusstrains often happen during sports", "Gastrocnemius strains often happen during sports"),
    (
        "This is often referred to as apinched nerveand can happen",
        "This is often referred to as a pinched nerve and can happen",
    ),
    (
        "Theperonealnerve is most prone to nerve entrapment.",
        "The peroneal nerve is most prone to nerve entrapment.",
    ),
    (
        "Acalf muscle crampis a sudden, involuntary contraction",
        "A calf muscle cramp is a sudden, involuntary contraction",
    ),
    ("These are often referred to as “Charley horses.”", 'These are often referred to as "Charley horses."'),
    (
        "Around 3037% of all people experience calf cramps.The cramps",
        "Around 30-37% of all people experience calf cramps. The cramps",
    ),
    ("TheThompson testis one example.", "The Thompson test is one example."),
    ("Also, dont walk or strain the muscle.", "Also, don't walk or strain the muscle."),
    ("It’s important to stretch regularly", "It's important to stretch regularly"),
    (
        "Less commonly, acortisone steroid injectionmay be used",
        "Less commonly, a cortisone steroid injection may be used",
    ),
]


def test_seed_article_body_lines(root):
    raw = (root / "corpus" / "calf-pain.txt").read_text(encoding="utf-8")
    mt = repair(MappedText.identity(raw))
    assert_offsets(raw, mt)
    before, after = raw.split("\n"), mt.text.split("\n")
    assert len(after) == len(before)
    body_end = before.index(
        "Some causes are brought on by a sudden trauma or injury and require immediate medical care."
    )
    changed = [(b, a) for b, a in zip(before[: body_end + 1], after, strict=False) if a != b]
    assert len(changed) == len(SEED_CHANGES)
    for (b, a), (b_start, a_start) in zip(changed, SEED_CHANGES, strict=True):
        assert b.startswith(b_start) and a == a_start + b[len(b_start) :].replace(".The", ". The")
    assert repair_text(mt.text) == mt.text
    refs = "\n".join(before[body_end + 1 :])
    assert normalize(MappedText.identity(refs)).text == refs


# --- qa clean ------------------------------------------------------------------------------------


def test_cli_clean_repairs_stdin():
    result = CliRunner().invoke(main, ["clean"], input="Acalf muscle crampis common.\nVerywell / Joshua Seong\n")
    assert result.exit_code == 0
    assert result.output == "A calf muscle cramp is common.\n\n"


def test_cli_clean_rejects_invalid_utf8():
    result = CliRunner().invoke(main, ["clean"], input=b"caf\xe9 ofcalf\n")
    assert result.exit_code == 2
    assert "stdin is not valid UTF-8 (byte 3)" in result.output
