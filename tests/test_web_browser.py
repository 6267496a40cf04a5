"""The search page in a real browser: Debian's Chromium through Playwright, JavaScript on and off."""

from pathlib import Path

import pytest

pytestmark = pytest.mark.browser
DATA = Path(__file__).parent / "data" / "markdown"


def test_ask_read_results_and_follow_context(chromium, live_server, artifacts):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(live_server + "/")
    page.get_by_label("Ask the documents a question").fill("What does an Achilles rupture cause?")
    page.keyboard.press("Enter")
    page.wait_for_url("**/?q=What+does+an+Achilles+rupture+cause%3F*")
    results = page.locator("ol.results > li.result")
    assert results.count() == 1
    first = results.first
    assert first.locator("mark.answer").inner_text() == "A rupture of the Achilles tendon causes sudden pain [1]."
    assert first.locator("strong.term").all_inner_texts() == ["Achilles", "rupture", "Achilles"]
    link = first.locator(".citation a")
    assert link.get_attribute("href") == "https://doi.org/10.1234/afp.2016.1"
    assert link.get_attribute("rel") == "noopener noreferrer"
    page.screenshot(path=str(artifacts / "search-results.png"), full_page=True)
    first.get_by_role("link", name="Read in context").click()
    page.wait_for_url("**/passages/calf-p2*")
    assert page.locator("[aria-current=true] p").inner_text().startswith("The Achilles tendon connects")
    assert errors == []
    context.close()


def test_no_answer_without_javascript_on_a_phone(chromium, live_server, artifacts):
    context = chromium.new_context(java_script_enabled=False, viewport={"width": 375, "height": 740})
    page = context.new_page()
    page.goto(live_server + "/?q=zebra+pian")
    box = page.get_by_role("status")
    assert box.locator("h2").inner_text() == "The documents do not say"
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # no sideways scrolling
    page.screenshot(path=str(artifacts / "no-answer-phone.png"), full_page=True)
    page.get_by_role("link", name="zebra pain").click()
    page.wait_for_url("**/?q=zebra+pain")
    assert page.locator("input[name=q]").input_value() == "zebra pain"
    context.close()


def test_keyboard_only_search(chromium, live_server):
    page = chromium.new_page()
    page.goto(live_server + "/")
    # autofocus is applied at a rendering update after load, not by it: wait for it (fails after 5 s)
    page.wait_for_function("document.activeElement && document.activeElement.id === 'q'", timeout=5000)
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("knee ligaments")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Ask"
    page.keyboard.press("Enter")
    page.wait_for_url("**/?q=knee+ligaments*")
    assert page.locator("li.result .section").first.inner_text() == "Knee <Injuries> & Care"
    page.close()


def test_a_code_block_keeps_its_lines_on_the_page(chromium, tmp_path, monkeypatch, artifacts):
    # an example's code was shown as one run-on paragraph ("const fs = require('node:fs'); const readline = …"): the
    # passage text keeps a code block's line breaks, the page collapsed them (Node.js's readline.md, excerpt)
    import threading

    from werkzeug.serving import make_server

    from qa.api import QA
    from qa.web import create_app

    monkeypatch.setenv("QA_SEMANTIC", "off")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "readline.md").write_bytes((DATA / "nodejs-readline.md").read_bytes())
    app = create_app({"QA": QA.open_or_build(corpus, tmp_path / "index")})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    code = "  const rl = readline.createInterface({\n    input: fileStream,\n    crlfDelay: Infinity,\n  });"
    try:
        page = chromium.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"http://127.0.0.1:{server.server_port}/?q=read+a+file+line+by+line")
        texts = page.locator("li.result .text").all_inner_texts()
        assert any(code in t for t in texts), texts
        page.screenshot(path=str(artifacts / "code-block.png"), full_page=True)
        page.locator("li.result").filter(has_text="createInterface").get_by_role("link", name="Read in context").click()
        page.wait_for_url("**/passages/readline-p*")
        assert code in page.locator("[aria-current=true] p").inner_text()
        page.close()
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
