from dataclasses import replace

import pytest
from bs4 import BeautifulSoup

from qa.errors import IndexMissing


def soup_of(response, status=200):
    assert response.status_code == status, response.data
    assert response.mimetype == "text/html"
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def test_empty_page_has_a_labelled_search_form_and_landmarks(client):
    page = soup_of(client.get("/"))
    form = page.find("form", attrs={"role": "search"})
    assert form["method"] == "get" and form["action"] == "/"
    box = form.find("input", attrs={"name": "q"})
    assert page.find("label", attrs={"for": box["id"]}).get_text() == "Ask the documents a question"
    assert box.has_attr("autofocus") and box.has_attr("required")
    assert [t.name for t in page.body.find_all(["header", "main", "footer"], recursive=False)] == [
        "header",
        "main",
        "footer",
    ]
    assert page.find("link", rel="stylesheet")["href"] == "/static/style.css"
    assert page.find("script") is None
    assert page.find(class_="results") is None


def test_results_show_the_answer_marked_terms_strong_section_title_and_citation(client):
    page = soup_of(client.get("/?q=achilles+rupture"))
    results = page.select("ol.results > li.result")
    assert [r["id"] for r in results] == ["result-1"]
    first = results[0]
    assert first.select_one(".section").get_text() == "Achilles Tendon"
    assert first.select_one(".doc").get_text() == "Calf Pain"
    assert first.select_one("mark.answer").get_text() == "A rupture of the Achilles tendon causes sudden pain [1]."
    assert [s.get_text() for s in first.select("strong.term")] == ["Achilles", "rupture", "Achilles"]
    link = first.select_one(".citation a")
    assert link["href"] == "https://doi.org/10.1234/afp.2016.1"
    assert set(link["rel"]) == {"noopener", "noreferrer"}
    assert link.get_text() == "doi:10.1234/afp.2016.1"
    assert first.select_one(".context a")["href"] == "/passages/calf-p2?q=achilles+rupture"
    assert page.find("input", attrs={"name": "q"})["value"] == "achilles rupture"
    assert page.title.get_text() == "achilles rupture · qa"


def test_a_section_that_is_its_document_s_title_is_named_once(client, fake_qa, monkeypatch):
    ask = fake_qa.ask

    def untitled_sections(*args, **kwargs):  # a text file without headings: its one section is its title
        answer = ask(*args, **kwargs)
        first = replace(answer.results[0], section=answer.results[0].document_title)
        return replace(answer, results=(first, *answer.results[1:]))

    monkeypatch.setattr(fake_qa, "ask", untitled_sections)
    first = soup_of(client.get("/?q=achilles+rupture")).select_one("li.result")
    assert first.select_one("h3").get_text(" ", strip=True) == "Calf Pain"
    assert first.select_one(".doc") is None


def test_a_citation_without_a_link_is_plain_text(client):
    page = soup_of(client.get("/?q=strained+elevation"))
    citation = page.select_one(".citation")
    assert citation.get_text(" ", strip=True) == "Mount Sinai. Calf strain. 2020."
    assert citation.find("a") is None


def test_the_question_and_the_documents_are_escaped(client):
    r = client.get("/?q=%3Cscript%3Ealert(1)%3C/script%3E+ice+knee")
    html = r.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; ice knee" in html
    assert "Use &lt;b&gt;<strong" in html  # the passage's own markup is shown, never interpreted
    assert "Knee &lt;Injuries&gt; &amp; Care" in html
    assert soup_of(r).find("script") is None


def test_no_answer_says_so_with_reasons_and_did_you_mean_links(client):
    page = soup_of(client.get("/?q=zebra+pian"))
    box = page.select_one(".no-answer")
    assert box["role"] == "status"
    assert box.h2.get_text() == "The documents do not say"
    assert [li.get_text() for li in box.select(".reasons li")] == [
        "the documents do not mention 'pian'",
        "the documents do not mention 'zebra'",
    ]
    links = box.select(".suggestions a")
    assert [(a.get_text(), a["href"]) for a in links] == [("zebra pain", "/?q=zebra+pain")]
    assert page.select("li.result") == []


def test_options_k_and_mode_are_applied_and_kept(client, fake_qa):
    page = soup_of(client.get("/?q=calf+muscle&k=1&mode=tfidf"))
    assert len(page.select("li.result")) == 1
    assert page.find("input", attrs={"name": "k"})["value"] == "1"
    assert page.find("option", selected=True)["value"] == "tfidf"
    assert page.find("details").has_attr("open")
    assert fake_qa.calls == [("ask", "calf muscle", "1", "tfidf", "None")]


@pytest.mark.parametrize("q", ["", "   "])
def test_blank_q_shows_the_form_without_asking(client, fake_qa, q):
    page = soup_of(client.get(f"/?q={q}"))
    assert page.find(class_="answer") is None
    assert fake_qa.calls == []


@pytest.mark.parametrize(
    "url,detail",
    [
        ("/?q=" + "x" * 2001, "q is 2001 characters long; the limit is 2000"),
        ("/?q=calf&k=abc", "k must be an integer from 1 to 50, not 'abc'"),
        ("/?q=calf&mode=fast", "mode must be one of hybrid, bm25, tfidf"),
    ],
)
def test_bad_page_input_is_a_400_html_page(client, url, detail):
    page = soup_of(client.get(url, headers={"Accept": "text/html"}), 400)
    alert = page.find(attrs={"role": "alert"})
    assert alert.h1.get_text() == "Invalid input"
    assert alert.p.get_text() == detail


def test_the_same_error_is_problem_json_for_api_clients(client):
    r = client.get("/?q=calf&k=abc", headers={"Accept": "application/json"})
    assert r.status_code == 400
    assert r.mimetype == "application/problem+json"


def test_passage_page_shows_neighbours_around_the_current_passage(client):
    page = soup_of(client.get("/passages/calf-p2?q=heel"))
    items = page.select(".context-list > li")
    assert [li["id"] for li in items] == ["calf-p1", "calf-p2", "calf-p3"]
    assert [li.get("aria-current") for li in items] == [None, "true", None]
    assert items[0].h2.a["href"] == "/passages/calf-p1?q=heel"
    assert page.select_one(".crumbs a")["href"] == "/?q=heel"
    assert page.h1.get_text() == "Calf Pain"


def test_passage_page_at_the_end_of_a_document(client):
    page = soup_of(client.get("/passages/knee-p1"))
    assert [li["id"] for li in page.select(".context-list > li")] == ["knee-p1"]
    assert page.select_one(".doc-source a")["href"] == "https://example.org/knee"
    assert page.select_one(".crumbs a")["href"] == "/"


def test_unknown_passage_page_is_a_404_html_page(client):
    page = soup_of(client.get("/passages/nope", headers={"Accept": "text/html,*/*;q=0.8"}), 404)
    assert page.find(attrs={"role": "alert"}).p.get_text() == "no passage with id 'nope'"


def test_page_without_an_index_is_503_and_says_what_to_run(make_app, monkeypatch):
    from qa.api import QA

    def missing(cls, *args, **kwargs):
        raise IndexMissing("no index in index: run `qa build`")

    monkeypatch.setattr(QA, "open", classmethod(missing))
    client = make_app(QA=None).test_client()
    page = soup_of(client.get("/?q=calf", headers={"Accept": "text/html"}), 503)
    assert page.find(attrs={"role": "alert"}).p.get_text() == "no index in index: run `qa build`"


def test_static_stylesheet_is_served(client):
    r = client.get("/static/style.css")
    assert r.status_code == 200
    assert r.mimetype == "text/css"
    assert b"@media (max-width" in r.data
    r.close()


def test_an_answer_shows_its_reasons_and_its_confidence(client):
    page = soup_of(client.get("/?q=achilles+rupture"))
    assert page.select_one(".no-answer") is None
    caveats = page.select_one(".caveats")
    assert caveats["role"] == "note"
    assert [li.get_text() for li in caveats.select(".reasons li")] == ["matched the question's terms"]
    assert caveats.select(".suggestions") == []
    assert page.select_one(".meta").get_text(" ", strip=True).startswith("Confidence 0.80 · hybrid ranking")


def test_a_page_that_says_the_documents_do_not_say_prints_no_confidence(client):
    page = soup_of(client.get("/?q=zebra+pian"))
    assert page.select_one(".no-answer h2").get_text() == "The documents do not say"
    assert page.select_one(".caveats") is None
    meta = page.select_one(".meta").get_text(" ", strip=True)
    assert "Confidence" not in meta and meta.startswith("hybrid ranking")


def test_the_search_box_shows_the_corpus_s_example(client, fake_qa, monkeypatch):
    box = soup_of(client.get("/")).find("input", attrs={"name": "q"})
    assert box["placeholder"] == "e.g. what is calf pain?"  # the fake corpus's first title, "Calf Pain"
    monkeypatch.setattr(fake_qa, "documents", lambda: ())
    info = replace(fake_qa.info, version="fake0002")  # another index: worked out again
    monkeypatch.setattr(type(fake_qa), "info", property(lambda self: info))
    assert not soup_of(client.get("/")).find("input", attrs={"name": "q"}).has_attr("placeholder")
