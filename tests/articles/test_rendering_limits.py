"""No writer can stall the site: bodies render in linear work, have a size limit, nest only
so deep; footnotes reach their notes and back; stored bodies can be rendered again."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from cms.articles import services as pieces
from cms.articles.models import Article, Piece
from cms.extensions import db
from cms.interviews.models import Interview
from cms.textformat import NESTING_MAX, interview_to_html, markdown_to_html
from tests.articles.test_desk import article_form

_spec = importlib.util.spec_from_file_location(
    "worst_case", Path(__file__).resolve().parents[2] / "bench" / "worst_case.py")
worst_case = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(worst_case)


def python_lines(render, text: str) -> int:
    """Lines of Python executed to render `text`: a measure of work that no noise changes."""
    count = 0

    def trace(frame, event, arg):
        nonlocal count
        if event == "line":
            count += 1
        return trace

    sys.settrace(trace)
    try:
        render(text)
    finally:
        sys.settrace(None)
    return count


RENDERERS = {
    "article": markdown_to_html,
    "interview": lambda text: interview_to_html(["", text], [("a", "A note.")]),
}


@pytest.mark.parametrize("kind", RENDERERS)
@pytest.mark.parametrize("pattern", worst_case.PATTERNS)
def test_each_hostile_pattern_costs_work_in_proportion_to_its_length(pattern, kind):
    """Twice the text, at most about twice the work (quadratic work would be four times)."""
    render = RENDERERS[kind]
    small = python_lines(render, worst_case.body(pattern, 4_000))
    large = python_lines(render, worst_case.body(pattern, 8_000))
    assert large <= 2.3 * small + 200, (pattern, small, large)


def test_nesting_deeper_than_the_limit_is_flattened_and_the_text_kept():
    html = markdown_to_html("> " * 5_000 + "deep")
    assert html.count("<blockquote>") == html.count("</blockquote>") == NESTING_MAX
    assert "deep" in html
    typed = markdown_to_html("<div>" * 300 + "inside" + "</div>" * 300)
    assert typed.count("<div>") == typed.count("</div>") == NESTING_MAX
    assert "inside" in typed


def assert_every_footnote_link_has_its_target(html: str) -> None:
    ids = set(re.findall(r' id="([^"]+)"', html))
    links = re.findall(r' href="#([^"]+)"', html)
    assert links, "no footnote links at all"
    assert [link for link in links if link not in ids] == []
    # every reference is reached back from its note, and every note from the text
    references = {i for i in ids if i.startswith("fnref")}
    assert references == {link for link in links if link.startswith("fnref")}


def test_article_footnotes_reach_their_notes_and_back():
    html = markdown_to_html(
        "First[^a], second[^b], the first again[^a].\n\n| t |\n|---|\n| cell[^c] |\n\n"
        "[^a]: Note a, with a [link](https://e.net/).\n\n[^b]: Note b.\n\n    Second paragraph.\n\n"
        "[^c]: Note c.")
    assert_every_footnote_link_has_its_target(html)
    assert re.findall(r'href="#fn:(\w)">(\d)<', html) == [("a", "1"), ("b", "2"), ("a", "1"), ("c", "3")]
    assert ('<p>Note a, with a <a href="https://e.net/" rel="noopener noreferrer">link</a>.&#160;'
            '<a class="footnote-backref" href="#fnref:a" title="Back to the text">&#8617;</a>'
            '<a class="footnote-backref" href="#fnref2:a" title="Back to the text">&#8617;</a></p>') in html


def test_interview_footnotes_in_any_turn_reach_the_one_set_of_notes_and_back():
    parts, notes = interview_to_html(
        ["Intro[^x].", "Question[^y]?", "```\nan unclosed fence", "Answer[^x] and [^Y]."],
        [("x", "Note x."), ("y", "Note y."), ("z", "A note nobody refers to.")])
    assert_every_footnote_link_has_its_target("\n".join(parts) + notes)
    assert parts[2] == "<pre><code>an unclosed fence\n</code></pre>"  # it stays in its turn
    assert '<sup id="fnref2:x"><a class="footnote-ref" href="#fn:x">1</a></sup>' in parts[3]
    assert '<sup id="fnref2:y"><a class="footnote-ref" href="#fn:y">2</a></sup>' in parts[3]
    assert notes.count("<li id=") == 3 and "A note nobody refers to." in notes


def test_a_literal_footnote_block_in_an_introduction_leaves_the_page_whole(make_interview_with):
    """Literal <div class="footnote"> in the introduction once copied every turn into the notes."""
    page = make_interview_with(
        'We met in <div class="footnote">a borrowed office</div>.\n\n'
        "Jane Roe (JR): What happened?[^1]\n\nIvan Petrov (IP): The site was blocked.\n\n"
        "[^1]: In March.")
    assert page.count("What happened?") == 1 and page.count("The site was blocked.") == 1
    assert page.count('<div class="footnote">') == 1
    assert "<div>a borrowed office</div>" in page
    assert_every_footnote_link_has_its_target(page)


@pytest.fixture
def make_interview_with(app, make_user):
    def make(transcript: str) -> str:
        with app.app_context():
            writer = db.session.merge(make_user("writer"))
            piece = pieces.create_piece(writer, pieces.PieceData(title="Met", body_source=transcript),
                                        Interview)
            with app.test_request_context():
                return str(piece.reader_html())
    return make


# --- The size limit -------------------------------------------------------------------


@pytest.mark.config(CMS_BODY_MAX_CHARS=1_000)
def test_a_body_over_the_limit_is_refused_by_the_service(ctx, make_user):
    writer = db.session.merge(make_user("writer"))
    with pytest.raises(pieces.PieceError) as refused:
        pieces.create_piece(writer, pieces.PieceData(title="Long", body_source="x" * 1_001))
    assert refused.value.field == "body_source"
    assert refused.value.message == ("This text is 1,001 characters long; the limit is 1,000. "
                                     "Shorten it, or split it into two pieces.")
    assert db.session.scalars(select(Piece)).all() == []
    pieces.create_piece(writer, pieces.PieceData(title="Fits", body_source="x" * 1_000))


@pytest.mark.config(CMS_BODY_MAX_CHARS=1_000)
def test_a_body_over_the_limit_comes_back_with_the_message_and_the_text(client, auth, make_user, app):
    auth.login(make_user("writer"))
    typed = "Every word kept. " * 100
    page = client.post("/desk/new", data=article_form(body_source=typed)).get_data(as_text=True)
    assert "This text is 1,700 characters long; the limit is 1,000." in page
    assert typed.strip() in page
    transcript = "Intro.\n\nJane Roe (JR): " + "A long question? " * 80
    page = client.post("/desk/interviews/new", data=article_form(body_source=transcript)
                       ).get_data(as_text=True)
    assert f"This text is {len(transcript):,} characters long; the limit is 1,000." in page
    assert "A long question? A long question?" in page
    with app.app_context():
        assert db.session.scalars(select(Piece)).all() == []


# --- Rendering stored bodies again ----------------------------------------------------------


def test_rerender_makes_every_stored_body_again_from_its_source(app, runner, make_piece, make_user):
    article = make_piece("Old", body_source="Claim[^1].\n\n[^1]: Source.")
    draft = make_piece("Draft", status="draft", body_source="# Heading")
    interview = make_piece("Talk", kind=Interview,
                           body_source="Intro.\n\nJane Roe (JR): Why?[^n]\n\nIvan Petrov (IP): Because.\n\n"
                                       "[^n]: A note.")
    with app.app_context():
        for piece in db.session.scalars(select(Piece)):  # as an older renderer left them
            piece.body_html = '<p>old <div class="footnote">stale</div></p>'
        db.session.get(Interview, interview.id).notes_html = "stale notes"
        db.session.commit()
        updated = {p.id: p.updated_at for p in db.session.scalars(select(Piece))}

    result = runner.invoke(args=["pieces", "rerender", "--batch", "2"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "rerendered: 2 articles, 1 interviews"
    with app.app_context():
        stored = db.session.get(Article, article.id)
        assert stored.body_html == markdown_to_html("Claim[^1].\n\n[^1]: Source.")
        assert db.session.get(Article, draft.id).body_html == "<h2>Heading</h2>"
        talk = db.session.get(Interview, interview.id)
        assert talk.body_html == "<p>Intro.</p>" and 'href="#fnref:n"' in talk.notes_html
        assert {p.id: p.updated_at for p in db.session.scalars(select(Piece))} == updated
