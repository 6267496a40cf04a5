"""The answer object on a small inline corpus: ranking, answer sentence, highlights, citations, abstention."""

from dataclasses import replace

import pytest

from qa.models import Span


def _lexical_qa(tmp_path, name, text, *more):
    """A QA without the semantic reranker (its order is BM25 + TF-IDF alone) over the file `name` holding `text`
    and the further (name, text) pairs `more`, written to tmp_path/corpus and built into tmp_path/index."""
    from qa.api import QA

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for file, content in ((name, text), *more):
        (corpus / file).write_text(content, encoding="utf-8")
    return QA.from_corpus(corpus, tmp_path / "index", semantic=False)


def _ids(answer):
    return [r.passage_id for r in answer.results]


def test_answer_ranks_sentence_and_highlights(small_qa):
    a = small_qa.ask("how long do ankle sprains take to heal", k=3)
    assert a.answered is True
    assert _ids(a) == ["ankle-p1", "ankle-p2", "knee-p1"]
    top = a.results[0]
    assert top.rank == 1 and top.kind == "passage" and top.section == "Ankle Sprains"
    assert top.document_title == "Ankle Sprains"
    assert top.answer == "Most ankle sprains heal with rest, ice and elevation within two weeks."
    assert top.text[top.answer_span.start : top.answer_span.end] == top.answer
    assert [top.text[h.start : h.end] for h in top.highlights] == [
        "ankle", "sprain", "ankle", "ankle", "sprains", "heal",
    ]  # fmt: skip
    assert top.previous_id is None and top.next_id == "ankle-p2"
    assert set(top.scores) == {"bm25", "tfidf"} and top.scores["bm25"].rank == 1


def test_highlights_are_sorted_and_inside_the_text(small_qa):
    for q in ["meniscus tear surgery", "shin splints runners", "anklle sprian"]:
        for r in small_qa.ask(q, k=3).results:
            starts = [h.start for h in r.highlights]
            assert starts == sorted(starts)
            assert all(0 <= h.start < h.end <= len(r.text) for h in r.highlights)


def test_citations_by_marker_overlap_and_self(small_qa):
    a = small_qa.ask("meniscus tear surgery", k=2)
    assert _ids(a) == ["knee-p2", "knee-r1"]
    marker = a.results[0].citations[0]
    assert (marker.reference.id, marker.link, marker.evidence) == ("knee-r1", "marker", "in-text marker [1]")
    own = a.results[1].citations[0]
    assert (own.reference.id, own.link) == ("knee-r1", "self")
    b = small_qa.ask("shin splints runners", k=1)
    overlap = b.results[0].citations[0]
    assert (overlap.reference.id, overlap.link) == ("ankle-r2", "overlap")
    assert overlap.evidence == "shared title terms: runners, shin, splints"


def test_no_citation_rather_than_a_weak_one(small_qa):
    a = small_qa.ask("severe sprains brace", k=1)
    assert a.results[0].passage_id == "ankle-p2"
    assert a.results[0].citations == ()


def test_reference_questions_find_the_entry(small_qa):
    a = small_qa.ask("who wrote about ankle sprain treatment", k=1)
    r = a.results[0]
    assert (r.passage_id, r.kind, r.section) == ("ankle-r1", "reference", "References")
    assert r.citations[0].reference.url == "https://doi.org/10.1000/jsm.2019.12"


def test_typos_are_found_and_corrected_in_suggestions(small_qa):
    a = small_qa.ask("anklle sprian", k=1)
    assert a.answered is True
    assert a.results[0].passage_id == "ankle-p1"
    assert a.suggestions == ("ankle sprains",)


@pytest.mark.parametrize(
    "question, reason",
    [
        ("Who wrote Pride and Prejudice?", "the documents do not mention pride or prejudice"),
        ("the and of it is", "the question has no searchable words (only very common words)"),
        ("What dose of ibuprofen helps a sprain?", "the documents do not mention ibuprofen"),
    ],
)
def test_abstains_when_the_documents_do_not_say(small_qa, question, reason):
    a = small_qa.ask(question)
    assert a.answered is False
    assert a.reasons == (reason,)


def test_document_filter_limits_results(small_qa):
    a = small_qa.ask("runners", k=5, document="knee")
    assert _ids(a) == ["knee-r1", "knee-p1"]  # the short reference title outscores the longer passage
    assert {r.document_id for r in a.results} == {"knee"}


def test_answer_dict_shape(small_qa):
    d = small_qa.ask("meniscus tear", k=1).to_dict()
    assert list(d) == [
        "question", "answered", "confidence", "reasons", "suggestions", "mode", "results", "index", "took_ms",
    ]  # fmt: skip
    assert d["index"] == {"version": small_qa.info.version, "built_at": small_qa.info.built_at, "stale": False}
    r = d["results"][0]
    assert r["answer_span"] == {"start": 0, "end": 58}
    assert r["source"]["end"] > r["source"]["start"]
    assert isinstance(Span(**r["highlights"][0]), Span)


def test_same_question_same_answer(small_qa):
    a, b = small_qa.ask("knee pain runners", k=5), small_qa.ask("knee pain runners", k=5)
    assert [r.to_dict() for r in a.results] == [r.to_dict() for r in b.results]


@pytest.mark.parametrize("mode", ["hybrid", "bm25", "tfidf"])
def test_every_mode_answers(small_qa, mode):
    a = small_qa.ask("meniscus tear", k=2, mode=mode)
    assert a.mode == mode
    assert a.results[0].passage_id == "knee-p2"


def test_source_verbs_are_not_content_in_a_source_question(seed_qa):
    a = seed_qa.ask("which source covers Achilles tendon rupture?", k=1)
    assert (a.answered, a.confidence, a.reasons) == (True, 1.0, ("the first results mention achilles",))
    assert a.results[0].passage_id == "calf-pain-r2"


def test_listed_is_content_not_a_sign_of_a_source_question(tmp_path):
    """The word "listed" left SOURCE_WORDS: "which modules are listed in sys.modules?" put the reference entries first
    (Python's library reference: "what is listed by dir()?" answered from an audit-events row); "What
    reference is listed for …" still asks about sources through "reference"."""
    qa = _lexical_qa(
        tmp_path,
        "sys.txt",
        "The Sys Module\n\nThe sys.modules dictionary holds the modules listed at start-up and every module"
        " imported since.\nIt maps each module name to its module object.\n\nReferences\n\n"
        "Python Software Foundation. The sys module and its modules. Python Docs. 2023;1(2):3-4.\n"
        "Rossum G. Modules of the interpreter. J Python. 2001;2(3):4-5.\n",
    )
    listed = qa.ask("which modules are listed in sys.modules?", k=3)
    assert (listed.answered, listed.reasons) == (True, ("the first results mention sys",))
    assert _ids(listed) == ["sys-p1", "sys-r1", "sys-r2"]
    assert listed.results[0].answer == (
        "The sys.modules dictionary holds the modules listed at start-up and every module imported since."
    )
    assert _ids(qa.ask("which reference is listed for the sys module?", k=3))[0] == "sys-r1"


def test_paraphrase_set_with_meaning(seed_qa, root):
    """Paraphrases written after the reranker was built (not tuned on): words alone abstained on 4 of 12.
    p12 has its answer first but holds 59 % of the question's weight at cosine 0.39 (below both passage rules);
    its sentence "If your healthcare provider suspects a blood clot, they may order a vascular study…" is at
    0.70 (close_sentence), so it answers."""
    from qa.evaluation.evaluate import evaluate_questions, load_questions

    report = evaluate_questions(seed_qa, load_questions(root / "tests" / "data" / "paraphrase-questions.jsonl"))
    assert report["hit@3"] == pytest.approx(10 / 12, abs=1e-3)
    assert report["false_abstention"] == pytest.approx(2 / 12, abs=1e-3)
    # p13 "How many days should I rest a torn calf muscle?" had held 66 % through "restrict" (the engine's variant of
    # rest, which the seed never writes); rest is not restrict, so 63 % and cosine 0.499: it abstains
    assert report["abstention"] == 1.0
    misses = sorted(i["id"] for i in report["items"] if i["answerable"] and not i["answered"])
    assert misses == ["p02", "p09"]  # p02 and p09 have no answer in the top 3 either
    p12 = next(i for i in report["items"] if i["id"] == "p12")
    assert p12["reasons"] == ["a sentence of the first result says it in other words (meaning similarity 0.70)"]


def _sentences(text):
    from qa.models import Passage, Sentence

    out, start = [], 0
    for piece in text.split("|"):
        out.append(Sentence(piece.strip(), start, start + len(piece.strip()), Span(start, start + len(piece.strip()))))
        start += len(piece) + 1
    return Passage("p", "doc", 1, "passage", "Calf Cramps", text, tuple(out), Span(0, len(text)))


def _word_spans(passage, weights):
    import re

    return [(m.start(), m.end(), m.group().lower()) for m in re.finditer(r"[A-Za-z]+", passage.text)
            if m.group().lower() in weights]  # fmt: skip


def test_the_question_s_intent_steers_the_answer_sentence():
    from qa.answering.intent import asked_kinds
    from qa.answering.sentence import best_sentence

    p = _sentences("Around 30 percent of all people experience calf cramps at night.|"
                   "The cramps can last between a few seconds and 10 minutes.")  # fmt: skip
    weights = {"calf": 4.3, "cramps": 4.5, "last": 2.6}
    spans = _word_spans(p, weights)
    assert asked_kinds("how long do calf cramps last?") == ("duration",)
    chosen = best_sentence(p, spans, weights, asked_kinds("how long do calf cramps last?"))
    assert p.text[chosen.start : chosen.end] == "The cramps can last between a few seconds and 10 minutes."
    # without the intent the words decide: the first sentence holds calf and cramps
    fewer = {"calf": 4.3, "cramps": 4.5}
    words = best_sentence(p, _word_spans(p, fewer), fewer)
    assert p.text[words.start : words.end] == "Around 30 percent of all people experience calf cramps at night."
    # meaning (the encoder's cosine per sentence) counts beside the words
    meant = best_sentence(p, _word_spans(p, fewer), fewer, cosines=[0.2, 0.9])
    assert p.text[meant.start : meant.end] == "The cramps can last between a few seconds and 10 minutes."


@pytest.mark.parametrize(
    "question, kinds",
    [
        ("how long do calf cramps last?", ("duration",)),
        ("How many people get calf cramps?", ("number",)),
        ("When was the Ming dynasty in power?", ("date",)),
        ("In which country is the Mont Blanc?", ("place",)),
        ("Where do the Normans come from?", ("place",)),
        ("Who wrote the Thompson test?", ("person",)),
        ("Why does my calf hurt at night?", ("reason",)),
        ("What causes calf pain?", ("reason",)),
        ("What is a calf strain?", ()),
        ("what is the largest database file sqlite can handle?", ("number",)),  # a limit
        ("what is the maximum length of a VARCHAR?", ("number",)),
        ("What is the largest tendon in the body?", ()),  # a name, not a number
        ("how does postgres decide which schema an unqualified table name refers to?", ("means",)),
        ("how do I undo the last commit?", ()),  # a how-to, not a mechanism
        ("does declaring VARCHAR(10) limit the length of the text?", ("polarity",)),
        ("Is calf pain a symptom of COVID-19?", ("polarity",)),
        ("What does the soleus do?", ()),
        ("What are calf cramps often called?", ("term",)),  # a name for a thing
        ("what is another name for a charley horse?", ("term",)),
        ("how is the file called by the shell?", ("means",)),  # not a term: how it is done
    ],
)
def test_asked_kinds(question, kinds):
    from qa.answering.intent import asked_kinds

    assert asked_kinds(question) == kinds


@pytest.mark.parametrize(
    "sentence, kinds, held",
    [
        ("The cramps can last between a few seconds and 10 minutes.", ("duration",), True),
        ("Around 30-37% of all people experience calf cramps.", ("duration",), False),
        ("Around 30-37% of all people experience calf cramps.", ("number",), True),
        ("The dynasty ruled from 1368 to 1644.", ("date",), True),
        ("Rest and ice help.", ("date", "number"), False),
        ("It is common because the muscle is overused.", ("reason",), True),
        ("The system determines which table is meant by following a search path.", ("means",), True),
        ("Therefore tables are often referred to by unqualified names.", ("means",), False),
        ("SQLite does not enforce the length of a VARCHAR.", ("polarity",), True),
        ("You can declare a VARCHAR(10) and SQLite will store a long string there.", ("polarity",), False),
        ("It isn't.", ("polarity",), True),
        ("This is often referred to as a pinched nerve.", ("term",), True),
        ("Nerve entrapment happens when calf nerves become compressed.", ("term",), False),
    ],
)
def test_a_sentence_holds_the_kind_asked_for(sentence, kinds, held):
    from qa.answering.intent import holds

    assert holds(sentence, kinds) is held


@pytest.mark.parametrize(
    "question, text, cosines, expected",
    [
        (  # sq26 as found (words, cosines): a yes/no question, by the small margin a LOOSE kind gives
            "does declaring VARCHAR(10) limit the length of the text?",
            "SQLite does not enforce the length of a VARCHAR.|"
            "You can declare a VARCHAR(10) and SQLite will be happy to store a 500-million character string there.",
            [0.62, 0.46],
            "SQLite does not enforce the length of a VARCHAR.",
        ),
        (  # sq10: the largest a thing can be is a number
            "what is the largest database file sqlite can handle?",
            "An SQLite database is limited in size to 281 terabytes (248 bytes, 256 tibibytes).|"
            "And even if it could handle larger databases, SQLite stores the entire database in a single disk file"
            " and many filesystems limit the maximum size of files to something less than this.",
            [0.80, 0.88],
            "An SQLite database is limited in size to 281 terabytes (248 bytes, 256 tibibytes).",
        ),
        (  # pg31: how a system decides is the means it decides by
            "how does postgres decide which schema an unqualified table name refers to?",
            "Therefore tables are often referred to by unqualified names, which consist of just the table name.|"
            "The system determines which table is meant by following a search path, which is a list of schemas"
            " to look in.",
            [0.70, 0.62],
            "The system determines which table is meant by following a search path, which is a list of schemas"
            " to look in.",
        ),
    ],
)
def test_the_kind_asked_for_tips_the_sentence(question, text, cosines, expected):
    from qa.answering.intent import asked_kinds
    from qa.answering.sentence import best_sentence
    from qa.search.analyzer import Analyzer
    from qa.search.wordstats import specificity

    analyzer = Analyzer()
    weights = {
        stem: specificity(w) for w, stem in ((w, analyzer.stem(w)) for w in analyzer.word_list(question)) if stem
    }
    p = _sentences(text)
    spans = [(a, b, stem) for stem, a, b in analyzer.spans(p.text) if stem in weights]
    chosen = best_sentence(p, spans, weights, asked_kinds(question), cosines)
    assert p.text[chosen.start : chosen.end] == expected
    other = best_sentence(p, spans, weights, (), cosines)  # words and meaning alone chose the other one
    assert p.text[other.start : other.end] != expected


def test_a_how_to_question_is_answered_first_by_the_example_its_section_opens_with(tmp_path):
    # git-reset(1)'s "Undo a commit and redo": the example's code, then the sentence that explains it
    qa = _lexical_qa(
        tmp_path,
        "reset.html",
        "<html><head><title>git-reset(1)</title></head><body><h1>git-reset(1)</h1>"
        "<h2>Undo a commit and redo</h2><pre>$ git commit -m 'first try at the frotz feature and its tests'\n"
        "$ git reset --soft HEAD^\n$ edit frotz.c nitfol.c xyzzy.c\n$ git commit -a -c ORIG_HEAD</pre>"
        "<p>This is most often done when you remembered that the last commit you just made is incomplete: undo it"
        " and commit again.</p><h2>Undo add</h2><p>You can undo the add of a file before the last commit with a"
        " reset of its path.</p><pre>$ git reset -- frotz.c</pre></body></html>",
    )
    how = qa.ask("how do I undo the last commit?", k=3)
    assert _ids(how) == ["reset-p1", "reset-p2", "reset-p3"]
    assert how.results[0].answer.splitlines()[1] == "$ git reset --soft HEAD^"
    when = qa.ask("when is the last commit undone?", k=3)  # no how-to: the order found
    assert _ids(when) == ["reset-p2", "reset-p1", "reset-p3"]
    from qa.answering.abstention import decide

    found = qa._loaded.answerer.evidence("how do I undo the last commit?", 3, "hybrid")
    assert found.candidates[0].passage_id == "reset-p2"  # the verdict weighs the order found...
    assert decide(found.assessment).answered is how.answered is True  # ...and only the order shown changes
    add = qa.ask("how do I undo the add of a file?", k=3)  # its example comes after it: the order found
    assert _ids(add) == ["reset-p3", "reset-p2", "reset-p1"]


_QUICK_START = (
    "<html><head><title>Valgrind Quick Start</title></head><body><h1>Valgrind Quick Start</h1>"
    "<h2>Running your program under Memcheck</h2><p>If you normally run your program like this:</p>"
    "<pre>myprog arg1 arg2</pre><p>Use this command line:</p><pre>valgrind --leak-check=yes myprog arg1 arg2</pre>"
    "<p>Memcheck is the default tool. The --leak-check option turns on the detailed memory leak detector.</p>"
    "<p>Memcheck will issue messages about memory errors when your program runs, and leaks that it detects in"
    " your program under it.</p><h2>Interpreting the output</h2><p>Memcheck prints errors as your program runs."
    "</p><h2>Cache profiling</h2><p>Cachegrind simulates how the caches of a machine behave.</p>"
    "<h2>Heap profiling</h2><p>Massif measures how much heap memory is allocated over time.</p>"
    "<h2>Thread errors</h2><p>Helgrind detects misuses of the POSIX pthreads API.</p>"
    "<h2>Call graphs</h2><p>Callgrind records the call history among functions as a graph.</p>"
    "<h2>Branch prediction</h2><p>Cachegrind can also simulate a branch predictor.</p>"
    "<h2>Suppressions</h2><p>A suppression file lists errors that should not be reported.</p>"
    "<h2>Platforms</h2><p>Valgrind works on Linux, FreeBSD, Solaris and macOS.</p>"
    "<h2>Debugging</h2><p>The gdbserver lets GDB examine the client at any error.</p>"
    "<h2>Leaks</h2><p>Definitely lost blocks are leaked memory that nothing points to.</p>"
    "<h2>Origins</h2><p>Tracking origins shows where uninitialised values came from.</p></body></html>"
)


def test_a_how_to_question_is_answered_first_by_the_instructions_its_section_opens_with(tmp_path):
    # Valgrind's Quick Start, "3. Running your program under Memcheck": its heading holds every word of the question,
    # its first passage the command line (after a lead-in), its next one the question's words most often
    qa = _lexical_qa(tmp_path, "quick-start.html", _QUICK_START)
    question = "how do I run my program under memcheck?"
    found = qa._loaded.answerer.evidence(question, 3, "hybrid")
    assert [p.passage_id for p in found.candidates] == ["quick-start-p2", "quick-start-p1", "quick-start-p3"]
    how = qa.ask(question, k=3)
    assert _ids(how) == ["quick-start-p1", "quick-start-p2", "quick-start-p3"]
    assert how.results[0].text.splitlines()[-1] == "valgrind --leak-check=yes myprog arg1 arg2"
    assert how.answered is True and how.reasons == ("the first results mention memcheck",)  # the verdict: as found
    # the heading lacks a word of the question: the section may answer something else, so the order found
    other = qa.ask("how do I run my program under memcheck with suppressions?", k=3)
    assert _ids(other)[:2] == ["quick-start-p2", "quick-start-p1"]
    when = qa.ask("when does memcheck run my program?", k=3)  # no how-to: the order found
    assert _ids(when) == ["quick-start-p2", "quick-start-p1", "quick-start-p3"]


def test_a_bare_heading_or_signature_comes_with_its_description():
    from qa.answering.sentence import bare, best_sentence

    p = _sentences(
        "sorted(iterable, /, *, key=None, reverse=False)|Return a new sorted list from the items in iterable."
    )
    weights = {"sorted": 5.0, "iterable": 5.0, "key": 3.0}
    chosen = best_sentence(p, _word_spans(p, weights), weights)
    assert p.text[chosen.start : chosen.end] == "Return a new sorted list from the items in iterable."
    # a heading that still wins (only it holds the word) comes with the sentence after it
    h = _sentences("Calf Cramps|Rest and ice help.")
    both = best_sentence(h, _word_spans(h, {"cramps": 4.5}), {"cramps": 4.5})
    assert h.text[both.start : both.end] == "Calf Cramps|Rest and ice help."
    # a table header is no answer beside the sentence that says it
    t = _sentences("Simple JSON decoder.|Performs the following translations:|JSON|Python")
    table = {"json": 5.0, "python": 3.7, "parse": 4.0}
    header = best_sentence(t, _word_spans(t, table), table)
    assert t.text[header.start : header.end] == "Simple JSON decoder."
    assert bare("sorted(iterable, /, *, key=None, reverse=False)", "Built-in Functions") is True
    assert bare("Symptoms include:", "Calf Cramps") is True
    assert bare("Calf Cramps", "Calf Cramps") is True
    assert bare("How Long Do Calf Strains Last", "Strains") is True
    assert bare("Return a new sorted list from the items in iterable.", "Built-in Functions") is False
    assert bare("Rest helps", "Calf Cramps") is False
    # the last sentence has nothing after it to describe: it stays alone
    q = _sentences("Rest and ice help.|Calf Cramps")
    last = best_sentence(q, _word_spans(q, {"cramps": 4.5}), {"cramps": 4.5})
    assert q.text[last.start : last.end] == "Calf Cramps"


def test_how_long_picks_the_duration_sentence_on_the_seed(seed_qa):
    a = seed_qa.ask("how long do calf cramps last?", k=1)
    assert a.answered is True
    assert a.results[0].answer == "The cramps can last between a few seconds and 10 minutes."


@pytest.fixture(scope="module")
def json_page_qa(tmp_path_factory):
    """Python's json page as published (tests/data/html/sphinx-json.html, python3.11-doc), lexical only."""
    import shutil
    from pathlib import Path

    from qa.api import QA
    from qa.storage.index import build_index

    root = tmp_path_factory.mktemp("json-page")
    (root / "corpus").mkdir()
    shutil.copy(Path(__file__).parent / "data" / "html" / "sphinx-json.html", root / "corpus" / "json.html")
    build_index(root / "corpus", root / "index", semantic=False)
    return QA.open(root / "index", root / "corpus")


def test_a_run_of_table_cells_is_never_the_answer_over_real_text(json_page_qa):
    from qa.answering.sentence import says_something

    a = json_page_qa.ask("how do I parse a JSON string", k=10)
    # the conversion table's cells ("string str number (int) int") were the first result, "string" its answer
    cells = [r for r in a.results if r.text == "string str number (int) int"]
    assert [r.rank for r in cells] == [10] and cells[0].answer == "string str"
    assert says_something(json_page_qa.passage(cells[0].passage_id)) is False
    top = a.results[0]
    assert top.section.startswith("class json.JSONDecoder(")
    assert top.answer == "parse_int, if specified, will be called with the string of every JSON int to be decoded."
    assert all(len(r.answer.split()) > 1 for r in a.results)
    assert all(says_something(json_page_qa.passage(r.passage_id)) for r in a.results[:9])
    b = json_page_qa.ask("how do I parse a JSON string into a Python object?", k=3)
    assert [r.answer[:40] for r in b.results] == [
        "Simple JSON decoder.",
        "Deserialize s (a str, bytes or bytearray",
        "Deserialize fp (a .read()-supporting tex",
    ]


@pytest.mark.parametrize(
    "text, is_bare",
    [
        ("string", True),  # a table cell
        ("str", True),
        ("(13) Can I use SQLite in my commercial product without paying royalties?", True),  # an FAQ's question
        ("Partial Indexes", True),
        ("Rest helps", False),
        ("Delete a branch.", False),
        ("The RENAME TO syntax changes the name of table-name to new-table-name.", False),
    ],
)
def test_bare_lines(text, is_bare):
    from qa.answering.sentence import bare

    assert bare(text, "Frequently Asked Questions") is is_bare


def test_an_faq_question_comes_with_its_answer():
    from qa.answering.sentence import best_sentence, says_something

    p = _sentences("(13) Can I use SQLite in my commercial product without paying royalties?|"
                   "Yes. SQLite is in the public domain.")  # fmt: skip
    weights = {"commercial": 4.6, "sqlite": 6.0, "paying": 4.0}
    chosen = best_sentence(p, _word_spans(p, weights), weights)
    assert p.text[chosen.start : chosen.end] == "Yes. SQLite is in the public domain."  # the question's words inherited
    alone = _sentences("(9) What is the maximum size of a VARCHAR in SQLite?|See the limits page.")
    weights = {"maximum": 3.9, "size": 3.4, "varchar": 6.5}
    chosen = best_sentence(alone, _word_spans(alone, weights), weights)
    assert alone.text[chosen.start : chosen.end] == alone.text  # the question still wins: with what follows
    assert says_something(p) is True
    assert says_something(_sentences("Partial Indexes")) is False
    assert says_something(_sentences("string|str|number (int)|int")) is False
    assert says_something(_sentences("Rest helps")) is False  # fewer than STATEMENT_WORDS words


@pytest.mark.parametrize(
    "text, kind, is_prose",
    [
        (
            "git filter-branch [--setup <command>] [--subdirectory-filter <directory>]|[--env-filter <command>]",
            "passage",
            False,
        ),  # a synopsis: every sentence is code
        ("$ git reset --soft HEAD^|$ git commit -c ORIG_HEAD", "passage", False),  # an example alone
        ("Rest helps|SELECT 1;", "passage", False),  # words, but fewer than STATEMENT_WORDS, beside code
        (
            "$ git reset --soft HEAD^|This is most often done when you remembered what you just committed.",
            "passage",
            True,
        ),  # an example with its description
        ("Calf pain is often brought on by muscle strain.", "passage", True),
        ("2018;48(5):388-397. doi:10.2519/jospt.2018.7192", "reference", True),  # a citation is read, not run
        ("2018;48(5):388-397. doi:10.2519/jospt.2018.7192", "passage", False),
    ],
)
def test_prose_is_a_statement_in_words_not_code(text, kind, is_prose):
    from dataclasses import replace

    from qa.answering.sentence import prose

    assert prose(replace(_sentences(text), kind=kind)) is is_prose


@pytest.mark.parametrize(
    "text, is_prose",
    [
        # a table row, its cells joined by " | " at ingest: the Apache manual's directive table (ap55, ap59)
        ("Description: | Amount of time the server will wait for subsequent requests on a persistent connection", True),
        ("Syntax: | KeepAliveTimeout num[ms]", False),  # its cells are a label and code
        ("cat access.log | grep -v bot | wc -l", False),  # a pipeline: each part is code or too short
        # an example's comment line is the writer's prose about it (mod_dir's example, ap29)
        (
            "# Example A: Set index.html as an index page, then add index.php to that list as well.\n"
            '<Directory "/foo">\n    DirectoryIndex index.html\n</Directory>',
            True,
        ),  # fmt: skip
        ("-- the rows we keep\nSELECT * FROM t WHERE keep;", True),
        ('<Directory "/foo">\n    DirectoryIndex index.html\n</Directory>', False),
        ("#include <stdio.h>\nint main(void);", False),  # a directive, not a comment
        ("# build\nmake install --prefix=/usr", False),  # a comment of fewer than STATEMENT_WORDS words
    ],
)
def test_prose_reads_a_table_row_s_cells_and_an_example_s_comments(text, is_prose):
    from qa.answering.sentence import prose
    from qa.models import Passage, Sentence

    passage = Passage("p", "doc", 1, "passage", "S", text, (Sentence(text, 0, len(text), Span(0, len(text))),),
                      Span(0, len(text)))  # fmt: skip
    assert prose(passage) is is_prose


@pytest.mark.parametrize(
    "text, is_code",
    [
        ("SELECT date('now','start of month','+1 month','-1 day');", True),
        ("$ git reset --soft HEAD^", True),
        ("python3 -m venv /path/to/new/virtual/environment", True),
        ("PRAGMA foreign_keys = ON;", True),
        ("Compute the last day of the current month.", False),
        ("Command aliases for the git(1) command wrapper", False),  # a man page reference is no call
        ("Optional[X] is equivalent to X | None (or Union[X, None]).", False),  # prose about code
        ("number (int)", False),
    ],
)
def test_code_lines(text, is_code):
    from qa.answering.sentence import code

    assert code(text) is is_code


def test_an_example_s_description_comes_with_its_code():
    from qa.answering.sentence import best_sentence

    p = _sentences("Compute the current date.|SELECT date();|Compute the last day of the current month.|"
                   "SELECT date('now','start of month','+1 month','-1 day');")  # fmt: skip
    weights = {"last": 3.0, "day": 3.2, "current": 3.5, "month": 3.6}
    chosen = best_sentence(p, _word_spans(p, weights), weights)
    assert p.text[chosen.start : chosen.end] == (
        "Compute the last day of the current month.|SELECT date('now','start of month','+1 month','-1 day');"
    )


def test_a_passage_repeated_in_another_document_is_shown_after_every_distinct_one(tmp_path):
    # git-merge(1) and git-rebase(1) both include the same MERGE STRATEGIES section: one text, two pages
    shared = "The octopus strategy is the default merge strategy when merging more than two branches."
    qa = _lexical_qa(
        tmp_path,
        "merge.md",
        f"# git merge\n\n## octopus\n\n{shared}\n",
        ("rebase.md", f"# git rebase\n\n## octopus\n\n{shared}\n"),
        ("glossary.md", "# Glossary\n\n## octopus\n\nAn octopus merge joins several branches in one merge commit.\n"),
    )
    a = qa.ask("what is the octopus merge strategy", k=3)
    assert [r.passage_id for r in a.results] == ["merge-p1", "glossary-p1", "rebase-p1"]
    assert [r.text for r in a.results][0] == [r.text for r in a.results][2] == shared


def _page_passage(text: str, ordinal: int = 1, kind: str = "passage", sentences: int = 1):
    """A passage of `sentences` sentences (the text split at ". ") at `ordinal` in its document."""
    from qa.models import Passage, Sentence

    parts = text.split(". ") if sentences > 1 else [text]
    spans, pos = [], 0
    for part in parts:
        spans.append(Sentence(part, pos, pos + len(part), Span(pos, pos + len(part))))
        pos += len(part) + 2
    return Passage(f"doc-p{ordinal}", "doc", ordinal, kind, "NAME", text, tuple(spans), Span(0, len(text)))


@pytest.mark.parametrize(
    ("text", "title", "ordinal", "kind", "sentences", "expected"),
    [
        ("DELETE — delete rows of a table", "DELETE", 1, "passage", 1, True),  # DocBook's refnamediv
        ("git-stash - Stash the changes in a dirty working directory away", "git-stash(1)", 1, "passage", 1, True),
        ("json — JSON encoder and decoder", "json — JSON encoder and decoder", 1, "passage", 1, True),  # Sphinx h1
        ("CREATE TABLE AS — define a new table from the results of a query", "CREATE TABLE AS", 1, "passage", 1, True),
        ("git-stash -- Stash the changes away", "git-stash(1)", 1, "passage", 1, True),
        ("DELETE — delete rows of a table", "DELETE", 2, "passage", 1, False),  # not the page's first passage
        ("DELETE — delete rows of a table", "UPDATE", 1, "passage", 1, False),  # another page's name
        ("DELETE — delete rows. It is fast", "DELETE", 1, "passage", 2, False),  # two sentences
        ("DELETE — delete rows of a table", "DELETE", 1, "reference", 1, False),
        ("DELETE deletes rows of a table", "DELETE", 1, "passage", 1, False),  # no dash: a sentence
        ("DELETE-ing rows — a how-to", "DELETE", 1, "passage", 1, False),  # the name is "DELETE-ing rows"
        ("the 2-3 tree - a structure", "the 2-3 tree", 1, "passage", 1, True),
        ("x - " + " ".join(["word"] * 19), "x", 1, "passage", 1, False),  # 21 words: no NAME line
        ("x - " + " ".join(["word"] * 18), "x", 1, "passage", 1, True),  # 20 words
        ("", "", 1, "passage", 1, False),
    ],
)
def test_summary_line_is_a_pages_name_line(text, title, ordinal, kind, sentences, expected):
    from qa.vectors.semantic import summary_line

    assert summary_line(_page_passage(text, ordinal, kind, sentences), title) is expected


@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        ("Path.mkdir(mode=0o777, parents=False, exist_ok=False)", True),  # a Sphinx signature
        ("json.loads(s, *, cls=None, object_hook=None)", True),
        ("class collections.Counter([iterable-or-mapping])", True),
        ("-m, --move", True),  # an option entry
        ("--depth <depth>", True),
        ("time.sleep(secs)", True),
        ("sys.argv", True),  # a dotted name
        ("typing. Optional", True),  # Sphinx's descclassname + descname, read with a space
        ("exception copy. Error", True),
        ("e.g. this", False),
        ("Python 3.11", False),
        ("Causes", False),  # an article's heading
        ("2. ALTER TABLE RENAME", False),
        ("What are the treatments for Ependymoma?", False),
        ("Sequence Types — list, tuple, range", False),
        ("", False),
    ],
)
def test_entry_headings(heading, expected):
    from qa.answering.sentence import entry

    assert entry(heading) is expected


def test_the_first_sentence_under_a_code_heading_is_its_description():
    """Under `subprocess.call(...)` the first sentence says what the call does; the next qualifies it and
    shares as many of "how do I run a shell command and wait for it to finish"'s words."""
    from qa.answering.sentence import best_sentence, names_code

    p = _sentences("Run the command described by args.|Wait for command to complete, then return the returncode.")
    p = replace(p, section="subprocess.call(args, *, stdin=None)")
    weights = {"run": 2.5, "command": 4.0, "wait": 3.3}
    first, second = "Run the command described by args.", "Wait for command to complete, then return the returncode."
    assert p.text[slice(*_span(best_sentence(p, _word_spans(p, weights), weights, opens=True)))] == first
    assert p.text[slice(*_span(best_sentence(p, _word_spans(p, weights), weights)))] == second  # not its first passage
    prose = replace(p, section="Activating And Configuring WAL Mode")  # a topic, not a piece of code
    assert prose.text[slice(*_span(best_sentence(prose, _word_spans(prose, weights), weights, opens=True)))] == second
    headings = ["5. ALTER TABLE DROP COLUMN", "row_number()", "DESCRIPTION", "--squash, --no-squash",
                "5.9.3. The Schema Search Path", "Description", "Frequently Asked Questions", "12."]  # fmt: skip
    assert [names_code(h) for h in headings] == [True, True, True, True, False, False, False, False]


def test_the_first_sentence_under_a_question_heading_is_its_answer():
    """Git's FAQ "How do I ignore changes to a tracked file?" answers in its first sentence; the next says why and
    holds more of "can I tell git to ignore my local edits to a tracked config file?"'s words."""
    from qa.answering.intent import asked_kinds
    from qa.answering.sentence import asks, best_sentence

    p = _sentences("Git doesn't provide a way to do this.|The reason is that if Git needs to overwrite this file, "
                   "it doesn't know whether the changes to the file are precious.")  # fmt: skip
    p = replace(p, section="How do I ignore changes to a tracked file?")
    weights = {"git": 1.2, "file": 3.25, "ignore": 3.5, "edits": 4.5, "tracked": 4.0}
    kinds = asked_kinds("can I tell git to ignore my local edits to a tracked config file?")
    answer, reason = p.sentences[0].text, p.sentences[1].text

    def chosen(passage, opens):
        span = best_sentence(passage, _word_spans(passage, weights), weights, kinds, [0.53, 0.50], opens=opens)
        return passage.text[span.start : span.end]

    assert chosen(p, opens=True) == answer
    assert chosen(p, opens=False) == reason  # a later passage of the section: its first sentence answers nothing
    assert chosen(replace(p, section="Ignoring changes"), opens=True) == reason  # a topic heading asks nothing
    headings = ["How do I ignore changes to a tracked file?", "(14) How do I use a string literal?  ¶", "Why?",
                "Frequently Asked Questions", "What is new in 3.11", "sqlite3.connect(database)"]  # fmt: skip
    assert [asks(h) for h in headings] == [True, True, True, False, False, False]


def test_an_example_comes_with_the_lead_in_that_says_what_it_shows():
    """pathlib's Path.exists(): the lead-in holds the question's words but is bare (it ends in ":"); when its example
    wins, the reader gets both ("how do I check whether a file exists?")."""
    from qa.answering.sentence import best_sentence, lead_in

    p = _sentences("Whether the path points to an existing file or directory:|>>> Path('setup.py').exists()")
    weights = {"file": 3.25, "exists": 3.5, "existing": 3.5}
    span = best_sentence(p, _word_spans(p, weights), weights, cosines=[0.55, 0.52])
    assert p.text[span.start : span.end] == p.text  # the example (its cosine and "exists") with its lead-in
    q = _sentences("Path objects are immutable.|>>> Path('setup.py').exists()")  # no lead-in: the example alone
    alone = best_sentence(q, _word_spans(q, weights), weights, cosines=[0.2, 0.52])
    assert q.text[alone.start : alone.end] == ">>> Path('setup.py').exists()"
    lines = ["For example:", "Whether the path points to an existing file or directory:", "Return True.",
             "SELECT x FROM t WHERE a = :", "Symptoms include:"]  # fmt: skip
    assert [lead_in(t) for t in lines] == [True, True, False, False, True]


def _span(span):
    return span.start, span.end


@pytest.mark.parametrize(
    "question, term",
    [
        ("what is memcheck?", "memcheck"),
        ("What is (are) Ovarian Germ Cell Tumors ?", "ovarian germ cell tumors"),
        ("what does definitely lost mean?", "definitely lost"),
        ("what does Optional[int] mean in a type hint", "optional"),  # a name applied: defined by the name
        ("what's a CTE", "cte"),
        ("what is meant by a savepoint?", "savepoint"),
        ("define len(s)", "len"),
        ("what is partitioning a table?", "partitioning a table"),
        ("what is the fastest way to empty a big table?", None),  # longer than DEFINED_WORDS: a way, not a term
        ("what is the maximum size of a blob", None),  # a number is asked for (asked_kinds)
        ("What are calf cramps often called?", None),  # a term for it is asked for
        ("how do I define a view?", None),
        ("", None),
    ],
)
def test_defined(question, term):
    from qa.answering.intent import defined

    assert defined(question) == term


@pytest.mark.parametrize(
    "sentence, term, defines",
    [
        ("Memcheck is a memory error detector.", "memcheck", True),
        ('"definitely lost" means your program is leaking memory -- fix those leaks!', "definitely lost", True),
        (
            "Partitioning refers to splitting what is logically one large table into smaller pieces.",
            "partitioning a table",
            True,
        ),  # a gerund's object need not be in its definition
        ("A check constraint consists of the key word CHECK followed by an expression.", "check constraint", True),
        ("Optional[X] is equivalent to X | None (or Union[X, None]).", "optional", True),
        ("An electrocardiogram (EKG), also called an ECG, is a simple, painless test.", "electrocardiogram", True),
        ("An index is a data structure.", "partial index", False),  # a word of the term is missing
        ("Other treatment is symptomatic and supportive.", "treatments for kuru", False),
        ("Kuru is a rare and fatal brain disorder.", "treatments for kuru", False),
        ("If apraxia is a symptom of another disorder, treat that disorder.", "apraxia", False),  # not its subject
        ("It is a memory error detector.", "memcheck", False),
        ("Spinal cord injuries are classified as complete or incomplete.", "spinal cord injury", False),  # passive
        ("Read this section to know exactly how Memcheck is checking.", "memcheck", False),
        ("Memcheck, the default tool of Valgrind and the one most people use first, is a detector.", "memcheck", False),
    ],
)
def test_a_sentence_defines_a_term(sentence, term, defines):
    from qa.answering import sentence as s
    from qa.search.analyzer import Analyzer

    spans = Analyzer().spans
    words = [(stem, term[a:b]) for stem, a, b in spans(term)]
    stems = frozenset(stem for stem, _ in words)
    required = frozenset([words[0][0]]) if len(words) > 1 and words[0][1].endswith("ing") else stems
    assert s.defines(sentence, stems, required, spans) is defines


def test_a_definition_question_is_answered_first_by_the_passage_that_defines_its_term(tmp_path):
    # Valgrind's manual: "what is memcheck?" found a section that names Memcheck over and over first
    qa = _lexical_qa(
        tmp_path,
        "mc.html",
        "<html><head><title>Valgrind</title></head><body><h1>Valgrind</h1>"
        "<h2>Checking details</h2><p>Read this if you want to know what and how Memcheck is checking. Memcheck"
        " checks memcheck-annotated reads, and what Memcheck reports depends on the memcheck options.</p>"
        "<h2>Overview</h2><p>Memcheck is a memory error detector. It can detect reads of freed memory.</p>"
        "</body></html>",
    )
    found = qa._loaded.answerer.evidence("what is memcheck?", 3, "hybrid")
    assert [p.passage_id for p in found.candidates] == ["mc-p1", "mc-p2"]  # the order found...
    what = qa.ask("what is memcheck?", k=3)
    assert _ids(what) == ["mc-p2", "mc-p1"]  # ...and the order shown: the definition first
    assert what.results[0].answer == "Memcheck is a memory error detector."
    reports = qa.ask("what does memcheck report?", k=3)  # no definition asked: the order found
    assert _ids(reports) == ["mc-p1", "mc-p2"]


def test_a_sentence_opening_with_a_pronoun_comes_with_the_sentence_it_stands_for():
    from qa.answering.sentence import best_sentence

    # textwrap.dedent: "This" is the function the first sentence describes
    p = _sentences(
        "Remove any common leading whitespace from every line in text.|"
        "This can be used to make triple-quoted strings line up with the left edge of the display."
    )
    weights = {"indentation": 5.4, "triple": 3.7, "quoted": 3.8, "strings": 3.6}
    chosen = best_sentence(p, _word_spans(p, weights), weights)
    assert p.text[chosen.start : chosen.end] == p.text  # both: "This can be used…" alone says nothing of what
    # the pronoun carries the words of the sentence before in full: with the term asked for, it wins
    c = _sentences(
        'A calf muscle cramp is a sudden contraction of calf muscles.|These are often called "Charley horses".'
    )
    cramps = {"calf": 4.3, "cramp": 4.7}
    named = best_sentence(c, _word_spans(c, cramps), cramps, ("term",), cosines=[0.83, 0.6])
    assert c.text[named.start : named.end] == c.text
    plain = best_sentence(c, _word_spans(c, cramps), cramps, (), cosines=[0.83, 0.6])  # no term asked: the first
    assert c.text[plain.start : plain.end] == "A calf muscle cramp is a sudden contraction of calf muscles."
    # "This module…" points at the page, not at the sentence before; a bare line before is not joined either
    m = _sentences("The csv module reads tables.|This module provides a simple way to time small bits of code.")
    timing = {"time": 3.0, "code": 3.0}
    alone = best_sentence(m, _word_spans(m, timing), timing)
    assert m.text[alone.start : alone.end] == "This module provides a simple way to time small bits of code."
    b = _sentences("Source code: Lib/timeit.py|It provides a simple way to time small bits of code.")
    after_bare = best_sentence(b, _word_spans(b, timing), timing)
    assert b.text[after_bare.start : after_bare.end] == "It provides a simple way to time small bits of code."


def test_the_documents_own_name_does_not_choose_the_answer_sentence(tmp_path):
    # Valgrind's NEWS: "how to use valgrind with rust?" showed "Valgrind should now be entirely usable with gcc-7.0…"
    # (the rare word every passage says) over "Support for demangling Rust symbols has been added."
    from qa.answering import answer

    sections = {
        "Debuggers": "Frobgrind should now be entirely usable with gcc 7 created debuginfo. The C++ demangler has been"
        " updated. Support for demangling Rust symbols has been added.",
        "Platforms": "Frobgrind now runs on arm64 machines.",
        "Leaks": "Frobgrind reports leaks at exit.",
        "Caches": "The Frobgrind cache simulator was removed.",
        "Speed": "Faster startup of Frobgrind on large programs.",
    }
    text = "# Frobgrind 3.13\n\n" + "".join(f"## {h}\n\n{body}\n\n" for h, body in sections.items())
    qa = _lexical_qa(tmp_path, "news.md", text)
    a = qa.ask("how to use frobgrind with rust?", k=1)
    assert a.answered is True
    assert a.results[0].answer == "Support for demangling Rust symbols has been added."
    shown = a.results[0]
    assert [shown.text[h.start : h.end] for h in shown.highlights] == ["Frobgrind", "Rust"]  # the name still shown
    assert qa.ask("what does frobgrind report at exit?", k=1).results[0].answer == "Frobgrind reports leaks at exit."
    assert answer.TOPIC_WEIGHT == 0.25
