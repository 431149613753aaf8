"""The search page and the search commands, through the test client and the CLI runner."""

from __future__ import annotations

import re

from cms.search.backend import get_backend


def test_nav_links_search_and_empty_query_shows_form_and_latest(client, make_piece):
    make_piece("Latest thing")
    page = client.get("/").get_data(as_text=True)
    assert '<a href="/search">Search</a>' in page
    response = client.get("/search")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<form class="search" method="get" action="/search" role="search">' in html
    assert '<label for="q">Search the archive</label>' in html
    assert "<h2>Latest pieces</h2>" in html and "Latest thing" in html


def test_results_with_snippet_speaker_facets_and_escaped_query(client, archive):
    html = client.get("/search?q=prison").get_data(as_text=True)
    assert "1 result for “prison”" in html
    assert ('<p class="snippet"><a href="/interviews/talking-to-a-journalist-in-exile#turn-2">'
            '<span class="speaker">Xədicə İsmayılova:</span> Because the <mark>prison</mark> '
            "was waiting for every journalist who wrote.</a></p>") in html
    assert '<a href="/search?q=prison&amp;sort=relevance&amp;kind=interview">Interviews</a> (1)' in html
    hostile = client.get('/search?q=<script>alert("x")</script> defender').get_data(as_text=True)
    assert "<script>alert" not in hostile
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; defender" in hostile


def test_facet_link_filters_and_says_what_its_removal_link_removes(client, archive):
    html = client.get("/search?q=rights+OR+journalist&kind=interview").get_data(as_text=True)
    assert "1 result for" in html and "Talking to a journalist in exile" in html
    assert ('<li>Kind: Interviews <a href="/search?q=rights+OR+journalist&amp;sort=relevance">Remove'
            '<span class="visually-hidden"> the filter Kind: Interviews</span></a></li>') in html
    assert "Remove all filters" not in html
    both = client.get("/search?q=rights+OR+journalist+OR+speech&language=en&tag=free-speech").get_data(
        as_text=True)
    assert ('<li>Language: <span lang="en">English</span> <a href="/search?q=rights+OR+journalist+OR+speech'
            '&amp;sort=relevance&amp;tag=free-speech">Remove<span class="visually-hidden"> the filter '
            'Language: English</span></a></li>') in both
    assert 'Tag: Free speech <a href=' in both
    assert ('<a href="/search?q=rights+OR+journalist+OR+speech&amp;sort=relevance">Remove all filters</a>'
            in both)


def test_facets_come_before_the_results_in_a_block_that_folds(client, archive):
    html = client.get("/search?q=rights+OR+speech+OR+journalist").get_data(as_text=True)
    assert html.index('<details class="facets">') < html.index('<ol class="results"')
    assert '<summary><h2 id="facets-heading">Narrow the results</h2></summary>' in html
    assert '<h3 id="facet-kind">Kind</h3>' in html
    assert re.search(r'<link rel="stylesheet" href="/static/search.css\?v=[0-9a-f]{12}">', html)
    assert "search.css" not in client.get("/").get_data(as_text=True)


def test_languages_are_named_in_their_own_language(client, archive):
    html = client.get("/search?q=baki+OR+свиданья+OR+defender").get_data(as_text=True)
    for code, name in [("en", "English"), ("ru", "Русский"), ("az", "Azərbaycan dili")]:
        assert (f'<a href="/search?q=baki+OR+%D1%81%D0%B2%D0%B8%D0%B4%D0%B0%D0%BD%D1%8C%D1%8F+OR+defender'
                f'&amp;sort=relevance&amp;language={code}"><span lang="{code}">{name}</span></a> (1)') in html
    assert ">en (" not in html and ">az (" not in html


def test_no_result_suggests_a_spelling_with_results(client, archive):
    html = client.get("/search?q=journalsit").get_data(as_text=True)
    assert "No results for “journalsit”." in html
    assert 'Did you mean <a href="/search?q=journalist&amp;sort=relevance">journalist</a>?' in html


def test_malformed_queries_are_never_an_error(client, archive):
    for query in ['"unbalanced', "OR", "-", "title:", "a" * 5000, "<b>", "%", "::", "\u200b\u2028x"]:
        response = client.get("/search", query_string={"q": query})
        assert response.status_code == 200, query
    # Control characters in the query are searched as words too (read as spaces, test_backend).
    controlled = client.get("/search", query_string={"q": "\x01\x07\x1b[31m"})
    assert controlled.status_code == 200
    assert client.get("/search?q=x&page=99999999999999").status_code == 200
    assert client.get("/search?q=x&page=-3&sort=nonsense&year=" + "9" * 500).status_code == 200


def test_without_an_index_the_page_says_so_and_the_site_works(client, app):
    assert not get_backend(app).available()
    response = client.get("/search?q=anything")
    assert response.status_code == 503
    assert "Search is not available yet: the index has not been built." in response.get_data(as_text=True)
    assert client.get("/").status_code == 200


def test_reindex_and_status_commands(runner, make_piece):
    make_piece("One")
    make_piece("Two")
    make_piece("Later", published_at=__import__("datetime").datetime(2999, 1, 1))
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "Indexed 3 pieces." in result.output
    status = runner.invoke(args=["search", "status"])
    assert status.output == "Indexed: 3\nPublished: 2 (and 1 scheduled)\nWaiting for an index update: 0\n"
    assert re.search(r"index-\d", get_backend(runner.app).current_name() or "")


def test_facets_list_their_most_frequent_values(client, archive, monkeypatch):
    from cms.search import services

    monkeypatch.setattr(services, "FACET_VALUES_SHOWN", 1)
    html = client.get("/search?q=rights+OR+speech+OR+journalist").get_data(as_text=True)
    assert "3 results for" in html
    assert 'tag=free-speech">Free speech</a> (2)' in html
    assert "tag=azerbaijan" not in html
    assert "Articles</a> (2)" in html and "Interviews</a> (1)" not in html


def test_a_result_links_to_the_paragraph_that_the_page_marks_with_the_same_id(client, make_piece):
    make_piece("Mirrors", body_source="The site was blocked.\n\nReaders built mirrors.")
    html = client.get("/search?q=mirrors").get_data(as_text=True)
    assert ('<p class="snippet"><a href="/articles/mirrors#p-2">Readers built <mark>mirrors</mark>.'
            "</a></p>") in html
    page = client.get("/articles/mirrors").get_data(as_text=True)
    assert '<p id="p-1">The site was blocked.</p>\n<p id="p-2">Readers built mirrors.</p>' in page


def test_a_snippet_from_the_top_of_a_piece_is_not_a_link(client, make_piece):
    make_piece("Mirrors", standfirst="Readers built mirrors.", body_source="The site was blocked.")
    html = client.get("/search?q=mirrors").get_data(as_text=True)
    assert '<p class="snippet">Readers built <mark>mirrors</mark>.</p>' in html


def test_a_story_is_one_result_with_its_other_languages_listed(app, client, make_piece, make_user):
    from cms.accounts.models import User
    from cms.articles import services as pieces
    from cms.articles import translations
    from cms.articles.models import Piece
    from cms.database import utcnow
    from cms.extensions import db

    original = make_piece("Qutbiyya in English", body_source="Qutbiyya says.")
    translator = make_user("writer")
    with app.app_context():
        draft = translations.translate(db.session.get(Piece, original.id),
                                       db.session.get(User, translator.id), "ru")
        pieces.update_piece(draft, draft.author, pieces.PieceData(
            title="Qutbiyya по-русски", body_source="Qutbiyya говорит.", language="ru"))
        pieces.publish(draft, draft.author, utcnow())
        russian_slug = draft.slug
    english = client.get("/search?q=Qutbiyya").get_data(as_text=True)
    assert english.count('<ol class="results"') == 1 and english.count("<article>") == 1
    assert ">Qutbiyya in English</a>" in english
    assert (f'<p class="versions">Also in: <a href="/articles/{russian_slug}" hreflang="ru" lang="ru">'
            "Русский</a></p>") in english
    russian = client.get("/ru/search?q=Qutbiyya").get_data(as_text=True)
    assert ">Qutbiyya по-русски</a>" in russian and ">Qutbiyya in English</a>" not in russian
    assert '<html lang="ru">' in russian and "Также на языках:" in russian
