"""Repair with the corpus's own vocabulary (qa.ingest.lexicon): glue split where the corpus shows the words,
never a change to real technical prose (tests/data/technical-prose.txt: lines of Debian's python3-doc and
postgresql-doc-15 pages as qa extracts them)."""

import math
import random
from pathlib import Path

import pytest

from qa.ingest.lexicon import SCALE, UNBOUNDED, Lexicon, Recording
from qa.ingest.repair import normalize, repair
from qa.ingest.textmap import MappedText

PROSE = Path(__file__).parent / "data" / "technical-prose.txt"


def fix(text: str, lexicon: Lexicon) -> str:
    return repair(MappedText.identity(text), lexicon=lexicon).text


def test_real_technical_prose_is_left_as_it_is():
    raw = PROSE.read_text(encoding="utf-8")
    assert fix(raw, Lexicon.from_texts([raw])) == normalize(MappedText.identity(raw)).text
    for word in ("StringIO", "getLogger", "PostgreSQL", "Formatter", "TextIOWrapper", "setUp", "asyncTearDown"):
        assert word in raw


CORPUS = [
    "Vitamin D deficiency is common. The effect of vitamin D on bone density was measured in patients.",
    "Geochemical cycles and carbon cycles were studied using isotopes. Patients were treated using drugs.",
    "The trial performed well. GitHub and iPhone users, PostgreSQL and JavaScript are product names.",
    "An enzyme linked immunosorbent assay, an immunosorbent method. Notch receptor signals.",
    "Intraaortic balloon pumps were used. Cardiomyocyte death was observed in the myocyte cultures.",
]


GLUED_CASES = [
    ("The effect ofvitamin Don bone", "The effect of vitamin Don bone"),  # `Don` is a name too: left
    ("The trial performedusing drugs.", "The trial performed using drugs."),
    ("We studied geochemicalcyclesand isotopes.", "We studied geochemical cycles and isotopes."),
    ("In dysplasia,severe lesions", "In dysplasia, severe lesions"),
    ("a decrease(adjusted odds) of 54)patients", "a decrease (adjusted odds) of 54) patients"),
    ("GitHub iPhone PostgreSQL JavaScript", "GitHub iPhone PostgreSQL JavaScript"),
    ("signals through theNotch receptor in 48patients", "signals through the Notch receptor in 48 patients"),
    ("an enzyme-linkedimmunosorbent assay", "an enzyme-linked immunosorbent assay"),
    ("Intraaortic cardiomyocyte logging.getLogger(name)", "Intraaortic cardiomyocyte logging.getLogger(name)"),
    ("see https://example.org/performedusing now", "see https://example.org/performedusing now"),
]


@pytest.mark.parametrize(("damaged", "restored"), GLUED_CASES)
def test_glue_the_corpus_vocabulary_shows_is_split(damaged, restored):
    assert fix(damaged, Lexicon.from_texts([*CORPUS, damaged])) == restored


def test_a_token_the_corpus_repeats_is_a_word():
    lexicon = Lexicon.from_texts(["performedusing twice performedusing", "performed using"])
    assert fix("they performedusing it", lexicon) == "they performedusing it"


def test_without_a_lexicon_repair_is_as_before():
    assert fix("The trial performedusing drugs.", None) == "The trial performedusing drugs."


def test_lexicon_counts_whole_alphabetic_tokens_and_records_lookups():
    lexicon = Lexicon.from_texts(["Non-smokers (and smokers), x2 json.loads AND", "and"])
    assert lexicon.counts == {"smokers": 1, "and": 3}
    assert lexicon.total == 4
    view = Recording.of(lexicon)
    fix("they performedusing it", view)
    assert view.consulted["performedusing"] == (0, 1)  # asked whether the corpus writes it 3 times, and twice
    assert Lexicon.from_counts([[("and", 2), ("smokers", 1)], [("and", 1)]]) == lexicon


@pytest.mark.parametrize(("total", "scale"), [(0, 1), (1, 1), (3, 4), (1000, 1024), (1448, 1024), (1449, 2048)])
def test_frequencies_are_relative_to_the_total_rounded_to_a_power_of_two(total, scale):
    assert Lexicon({"word": total}).scale() == scale


def test_a_recorded_repair_is_redone_only_when_an_answer_it_got_changes():
    lexicon = Lexicon.from_texts([*CORPUS, "The trial performedusing drugs."])
    view = Recording.of(lexicon)
    assert fix("The trial performedusing drugs.", view) == "The trial performed using drugs."
    asked = view.consulted
    # one split to choose: only whether the parts occur at all matters, not how often (nor the corpus's scale)
    assert asked["performed"] == asked["using"] == (1, UNBOUNDED) and SCALE not in asked
    assert asked["performedusing"] == (0, 1)
    assert lexicon.agrees(asked)
    assert Lexicon({**lexicon.counts, "unrelated": 7}).agrees(asked)  # a word it never asked about
    assert Lexicon({**lexicon.counts, "performed": 2, "unrelated": lexicon.total}).agrees(asked)
    assert not Lexicon({**lexicon.counts, "performed": 0}).agrees(asked)
    assert not Lexicon({**lexicon.counts, "performedusing": 2}).agrees(asked)


TORETURN = "to return the value, tore and turn; to return again " * 3


def test_a_choice_between_splits_stands_while_the_counts_stay_within_its_margin():
    """`toreturn` splits as to|return or tore|turn; the cheaper wins by a margin, and the counts are noted as the
    ranges within which no cost moves by an eighth of it."""
    text = "We want toreturn the value."
    lexicon = Lexicon.from_texts([TORETURN, text])
    view = Recording.of(lexicon)
    assert fix(text, view) == "We want to return the value."
    asked = {w: r for w, r in view.consulted.items() if r != (0, 0)}  # (0, 0): the parts that never occur
    assert asked == {
        "toreturn": (0, 1),
        "to": (6, 7),
        "return": (6, 7),
        "tore": (3, 3),
        "turn": (3, 3),
        SCALE: (32, 32),
    }
    for to in (6, 7):
        for ret in (6, 7):
            other = Lexicon({**lexicon.counts, "to": to, "return": ret}, total=lexicon.total)
            assert other.agrees(view.consulted) and fix(text, other) == "We want to return the value."
    flipped = Lexicon({**lexicon.counts, "tore": 40, "turn": 40}, total=lexicon.total)
    assert not flipped.agrees(view.consulted) and fix(text, flipped) == "We want tore turn the value."


@pytest.mark.parametrize(
    ("word", "asked", "low", "high"), [("and", 3, 3, UNBOUNDED), ("and", 4, 0, 3), ("nor", 1, 0, 0)]
)
def test_a_threshold_question_notes_the_range_that_gives_its_answer(word, asked, low, high):
    view = Recording.of(Lexicon({"and": 3}))
    assert view.at_least(word, asked) == (low > 0)
    assert view.consulted == {word: (low, high)}


def test_the_ranges_of_several_questions_about_a_word_intersect():
    view = Recording.of(Lexicon({"and": 3}))
    assert view.at_least("and", 2) and not view.at_least("and", 5)
    assert view.consulted == {"and": (2, 4)}
    assert view.zipf("and", tolerance=math.log10(1.5)) == math.log10(3 / 4) + 9
    assert view.consulted == {"and": (2, 4), SCALE: (4, 4)}  # 3 * 1.5 = 4.5: 4 at most
    assert view.count("and") == 3 and view.consulted["and"] == (3, 3)


@pytest.mark.parametrize("damaged", [*(case[0] for case in GLUED_CASES), "We want toreturn the value."])
def test_repair_is_the_same_for_every_lexicon_that_agrees_with_its_notes(damaged):
    """Random counts within the noted ranges (and any count of words never asked about) repair alike."""
    lexicon = Lexicon.from_texts([*CORPUS, TORETURN, damaged])
    view = Recording.of(lexicon)
    expected = fix(damaged, view)
    rng = random.Random(damaged)
    agreeing = 0
    for _ in range(40):
        counts = dict(lexicon.counts)
        for word, (low, high) in view.consulted.items():
            if word != SCALE:
                counts[word] = rng.randint(low, low + 50 if high == UNBOUNDED else high)
        for word in rng.sample(sorted(lexicon.counts), 5):
            if word not in view.consulted:
                counts[word] = rng.randint(0, 50)
        other = Lexicon(counts, total=lexicon.total)
        assert other.agrees(view.consulted)
        assert fix(damaged, other) == expected
        agreeing += 1
    assert agreeing == 40


def test_a_command_line_option_is_never_split_even_where_the_corpus_has_its_parts():
    # git-rebase(1)'s `--autosquash, --no-autosquash` came out as `--auto squash, --no-auto squash`
    words = "Squash the commits in auto mode: auto squash, fixup mode and squash mode."
    options = "--autosquash, --no-autosquash (see -fixupmode) and [--autosquash]"
    assert fix(options, Lexicon.from_texts([words, options])) == options
    assert fix("in prose, autosquash is glue", Lexicon.from_texts([words])) == "in prose, auto squash is glue"


# Words of Debian's python3-doc, git-doc and sqlite3-doc pages that wordfreq does not list although it lists
# their base (rewrap, redisplay, deallocate, checkpoint); split as glue before, beside pages with the parts.
INFLECTED = [
    "This is useful for introspection, for bypassing the cache, or for rewrapping the function with a different cache.",
    "The prompt is redisplayed after the output.",
    "Pages are deallocated when the transaction ends, and deallocating them is cheap.",
    "The subcommand inherits its options, and checkpointing happens later.",
]
PARTS = "Rewrap it. Ping the host. Red is played. In her house its roof. Deal with it. It is located here. Check it."


@pytest.mark.parametrize("sentence", INFLECTED)
def test_an_inflection_of_an_english_word_is_one_word(sentence):
    assert fix(sentence, Lexicon.from_texts([PARTS, sentence])) == sentence


# Lines as qa extracts them from Debian's valgrind (cg-manual.html) and python3-doc (library/functions.html,
# library/logging.html): a tool or API name at a line's start, which the glued-link rule took for a link
# glued to the line's start (`Cache|grind`, `class|method`, `for|matters`) before it asked the corpus.
LINE_STARTS = [
    ("Cachegrind simulates how your program interacts with a machine's cache hierarchy.", "Cache grind simulates"),
    ("classmethod() is a decorator that transforms a method into a class method.", "class method() is"),
    ("formatters are configured with a format string.", "for matters are"),
]


@pytest.mark.parametrize(("line", "split"), LINE_STARTS)
def test_a_word_the_corpus_writes_three_times_is_never_split_as_glue(line, split):
    word = line.split()[0].strip("()").lower()
    others = ["The manual says more.", "Read it twice."]
    written_twice = Lexicon.from_texts([line, f"See {word} there.", *others])
    written_thrice = Lexicon.from_texts([line, f"See {word} there.", f"Run {word} again.", *others])
    assert (written_twice.count(word), written_thrice.count(word)) == (2, 3)
    assert fix(line, written_twice).startswith(split)  # twice may still be a glue (MedQuAD's `doctorssuch`)
    assert fix(line, written_thrice) == line
    assert fix(f"{line}\nThe cache is ofcalf painare here.", written_thrice).endswith("of calf pain are here.")
