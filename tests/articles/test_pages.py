"""Public pages through the test client."""

from datetime import timedelta

import pytest

from cms.articles.models import PieceStatus
from cms.database import utcnow

CAMPAIGN = dict(
    attribution="This article is part of the Test campaign, financed by the Test Fund.",
    licence_name="CC BY-SA 3.0",
    licence_url="https://creativecommons.org/licenses/by-sa/3.0/",
)


def test_home_lists_published_pieces_and_campaigns(client, make_piece, make_campaign):
    campaign = make_campaign("Internet rights are human rights")
    make_piece("Hello world", campaign_id=campaign.id)
    make_piece("Not yet", status=PieceStatus.DRAFT)
    page = client.get("/").get_data(as_text=True)
    assert '<a href="/articles/hello-world">Hello world</a>' in page
    assert "Not yet" not in page
    assert ('<a href="/campaigns/internet-rights-are-human-rights">'
            'Internet rights are human rights</a>') in page


def test_article_page_shows_byline_date_attribution_footnotes_and_tags(
    client, make_piece, make_campaign, make_user
):
    campaign = make_campaign("Test campaign", **CAMPAIGN)
    writer = make_user("writer", name="Wren Writer")
    make_piece("Rights online", author=writer, campaign_id=campaign.id, language="en",
               standfirst="Why it matters.", body_source="Claim.[^1]\n\n[^1]: The source.",
               topics=["Censorship"], countries=["Azerbaijan"],
               published_at=utcnow().replace(year=2025, month=3, day=4, hour=12))
    page = client.get("/articles/rights-online").get_data(as_text=True)
    assert "<h1>Rights online</h1>" in page
    assert '<p class="standfirst">Why it matters.</p>' in page
    # The writer's own name by default, linked to their contributor page.
    assert ('<span class="byline">By <a href="/contributors/wren-writer">Wren Writer</a></span> · '
            '<time datetime="2025-03-04T12:') in page
    assert ">4 March 2025</time>" in page
    assert '<a href="/campaigns/test-campaign">Test campaign</a>' in page
    assert f'<p class="attribution">{CAMPAIGN["attribution"]}</p>' in page
    assert ('Text licence: <a href="https://creativecommons.org/licenses/by-sa/3.0/" '
            'rel="license noopener noreferrer">CC BY-SA 3.0</a>') in page
    assert '<a class="footnote-ref" href="#fn:1">1</a>' in page and "The source." in page
    assert '<a href="/tags/azerbaijan" class="tag country">Azerbaijan</a>' in page
    assert '<a href="/tags/censorship" class="tag topic">Censorship</a>' in page
    assert '<article class="piece article" lang="en">' in page


@pytest.mark.parametrize("status,delta", [
    (PieceStatus.DRAFT, None),
    (PieceStatus.UNPUBLISHED, None),
    (PieceStatus.PUBLISHED, timedelta(days=1)),
])
def test_pieces_readers_may_not_see_are_404_everywhere(
    client, make_piece, make_campaign, status, delta
):
    campaign = make_campaign("Camp")
    make_piece("Hidden", status=status, campaign_id=campaign.id, topics=["Secret"],
               published_at=utcnow() + delta if delta else None)
    response = client.get("/articles/hidden")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)
    for url in ("/", "/campaigns/camp", "/tags/secret", "/archive", "/feed.atom",
                "/campaigns/camp/feed.atom"):
        assert "Hidden" not in client.get(url).get_data(as_text=True), url


def test_campaign_page_is_newest_first_and_paginated(client, make_piece, make_campaign, make_user):
    campaign = make_campaign("Camp")
    writer = make_user("writer")
    for day in range(1, 13):
        make_piece(f"Day {day}", author=writer, campaign_id=campaign.id,
                   published_at=utcnow().replace(year=2025, month=1, day=day))
    make_piece("Elsewhere", author=writer)
    first = client.get("/campaigns/camp").get_data(as_text=True)
    assert first.index("Day 12") < first.index("Day 11") < first.index("Day 3")
    assert "Day 2<" not in first and "Elsewhere" not in first
    assert "Page 1 of 2" in first and 'href="/campaigns/camp?page=2"' in first
    second = client.get("/campaigns/camp?page=2").get_data(as_text=True)
    assert "Day 2<" in second and "Day 1<" in second and "Day 3<" not in second
    assert client.get("/campaigns/nope").status_code == 404


def test_tag_page_and_archive(client, make_piece):
    make_piece("Tagged", topics=["Privacy"], published_at=utcnow().replace(year=2024, month=2, day=2))
    make_piece("Other", published_at=utcnow().replace(year=2024, month=2, day=3))
    tag = client.get("/tags/privacy").get_data(as_text=True)
    assert "<h1>Privacy</h1>" in tag and "Tagged" in tag and "Other" not in tag
    archive = client.get("/archive").get_data(as_text=True)
    assert '<a href="/archive/2024/2">February 2024</a> (2)' in archive
    month = client.get("/archive/2024/2").get_data(as_text=True)
    assert month.index("Other") < month.index("Tagged")
    assert client.get("/archive/2024/13").status_code == 404


def test_site_feed_and_campaign_feed_are_atom_with_full_html(client, make_piece, make_campaign):
    campaign = make_campaign("Camp")
    make_piece("In the campaign", campaign_id=campaign.id, body_source="Body with *emphasis*.")
    make_piece("Outside")
    site = client.get("/feed.atom")
    assert site.mimetype == "application/atom+xml"
    body = site.get_data(as_text=True)
    assert "<title>In the campaign</title>" in body and "<title>Outside</title>" in body
    assert "http://localhost/articles/in-the-campaign" in body
    assert "&lt;em&gt;emphasis&lt;/em&gt;" in body
    camp = client.get("/campaigns/camp/feed.atom").get_data(as_text=True)
    assert "<title>In the campaign</title>" in camp and "Outside" not in camp


def test_error_pages_are_friendly(client):
    missing = client.get("/no/such/page")
    assert missing.status_code == 404
    text = missing.get_data(as_text=True)
    assert "<h1>Page not found</h1>" in text and 'href="/"' in text
    assert client.post("/").status_code == 405


@pytest.mark.config(PROPAGATE_EXCEPTIONS=False, TESTING=False)
def test_an_unexpected_error_gives_the_friendly_500_page(app, client):
    @app.route("/boom")
    def boom():
        raise RuntimeError("boom")

    response = client.get("/boom")
    assert response.status_code == 500
    assert "<h1>Something went wrong</h1>" in response.get_data(as_text=True)


@pytest.mark.config(MAX_CONTENT_LENGTH=1000)
def test_too_large_a_request_gets_413(client, auth, make_user):
    auth.login(make_user("writer"))
    response = client.post("/desk/new", data={"title": "x", "body_source": "y" * 5000})
    assert response.status_code == 413
    assert "<h1>Too large</h1>" in response.get_data(as_text=True)


def test_healthz_answers_200_with_the_database_and_503_without(app, client, monkeypatch):
    assert client.get("/healthz").get_json() == {"status": "ok", "database": "ok"}
    from sqlalchemy.exc import OperationalError

    from cms.extensions import db

    def broken(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("down"))

    monkeypatch.setattr(db.session, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "error"}


def test_a_reader_who_only_reads_gets_no_cookie(client, make_piece, make_campaign):
    campaign = make_campaign("Camp")
    make_piece("Read me", campaign_id=campaign.id, topics=["T"])
    for url in ("/", "/articles/read-me", "/campaigns/camp", "/tags/t", "/archive", "/feed.atom"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Set-Cookie" not in response.headers, url
