"""Sharing cards and crawlers: descriptions, canonical links, Open Graph and Twitter cards, the
sitemap, robots.txt and the icons; all on our own host."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from PIL import Image as PILImage

from cms.articles.sharing import shorten
from cms.database import utcnow
from cms.interviews.models import Interview

BASE = "https://news.example.org"
SERVED = {"CMS_BASE_URL": BASE, "CMS_TRUSTED_HOSTS": "news.example.org,localhost"}
META = re.compile(r'<meta (?:name|property)="([^"]+)" content="([^"]*)">')


def cards(html: str) -> dict[str, str]:
    return dict(META.findall(html))


def png(width: int, height: int) -> io.BytesIO:
    out = io.BytesIO()
    PILImage.new("RGB", (width, height), (10, 120, 60)).save(out, format="PNG")
    out.seek(0)
    return out


@pytest.mark.config(**SERVED)
def test_a_shared_article_has_its_full_card(app, client, make_piece, make_user, auth):
    from cms.articles.images import store_image
    from cms.extensions import db

    with app.app_context():
        image = store_image(png(1000, 500), alt_text="Protesters with placards")
        db.session.commit()
        image_id = image.id
    from cms.articles.models import Image

    with app.app_context():
        image = db.session.get(Image, image_id)
        db.session.expunge(image)
    when = utcnow().replace(microsecond=0) - timedelta(hours=2)
    piece = make_piece("Blocked & found", standfirst="Readers came back.", body_source="Body.",
                       image=image, published_at=when)
    page = client.get(f"/articles/{piece.slug}").get_data(as_text=True)
    url = f"{BASE}/articles/{piece.slug}"
    assert f'<link rel="canonical" href="{url}">' in page
    assert cards(page) == {
        "viewport": "width=device-width, initial-scale=1",
        "description": "Readers came back.",
        "og:title": "Blocked &amp; found",
        "og:description": "Readers came back.",
        "og:type": "article",
        "article:published_time": f"{when:%Y-%m-%dT%H:%M:%S}Z",
        "og:image": f"{BASE}/media/{image.filename}",
        "og:image:width": "1000",
        "og:image:height": "500",
        "og:image:alt": "Protesters with placards",
        "twitter:card": "summary",
    }
    # Nothing in the head names another host.
    head = page.split("</head>")[0]
    assert set(re.findall(r'(?:href|src|content)="(https?://[^/"]+)', head)) == {BASE}


def test_the_description_is_the_standfirst_else_the_start_of_the_text(app, make_piece):
    from cms.articles.sharing import piece_description

    words = " ".join(f"word{n}" for n in range(60))
    with app.test_request_context():
        assert piece_description(make_piece("A", standfirst="  The  standfirst. ", body_source="Body")) == (
            "The standfirst.")
        assert piece_description(make_piece("B", body_source="**Bold** start of the body.")) == (
            "Bold start of the body.")
        interview = make_piece("C", kind=Interview, body_source="The introduction.\n\nAnn Ask (AA): Q?")
        assert piece_description(interview) == "The introduction."
        bare = make_piece("D", kind=Interview, body_source="Ann Ask (AA): Only a question?")
        assert piece_description(bare) == "Only a question?"
        long = piece_description(make_piece("E", body_source=words))
    assert long == " ".join(f"word{n}" for n in range(30)) + "…"  # 199 characters, then the ellipsis
    assert len(long) <= 200


def test_shorten_cuts_at_a_word_and_keeps_short_text():
    assert shorten("one two three", 8) == "one two…"
    assert shorten("one two three", 7) == "one…"
    assert shorten("short", 200) == "short"
    assert shorten("x" * 300, 10) == "x" * 9 + "…"


@pytest.mark.config(**SERVED, CMS_SITE_DESCRIPTION="News on internet rights.", CMS_PAGE_SIZE=1)
def test_lists_have_a_description_and_a_canonical_link_with_their_page(client, make_piece, make_campaign):
    campaign = make_campaign("Rights")
    make_piece("One", campaign_id=campaign.id, topics=["Censorship"])
    make_piece("Two", campaign_id=campaign.id, topics=["Censorship"])
    home = cards(client.get("/").get_data(as_text=True))
    assert home["description"] == home["og:description"] == "News on internet rights."
    assert home["og:type"] == "website" and home["og:title"] == "Campaign CMS"
    second = client.get("/tags/censorship?page=2").get_data(as_text=True)
    assert f'<link rel="canonical" href="{BASE}/tags/censorship?page=2">' in second
    assert cards(second)["description"] == "Articles and interviews about Censorship from Campaign CMS."
    campaign_page = cards(client.get(f"/campaigns/{campaign.slug}").get_data(as_text=True))
    assert campaign_page["description"] == "Articles and interviews of the campaign Rights."
    assert cards(client.get("/archive").get_data(as_text=True))["og:title"] == "Archive · Campaign CMS"


@pytest.mark.config(**SERVED)
def test_error_desk_and_login_pages_have_no_card(client, auth, make_user):
    for path in ("/no-such-page", "/articles/missing", "/login"):
        page = client.get(path).get_data(as_text=True)
        assert 'rel="canonical"' not in page and "og:title" not in page, path
    auth.login(make_user("writer"))
    assert 'rel="canonical"' not in client.get("/desk/").get_data(as_text=True)


@pytest.mark.config(**SERVED)
def test_the_sitemap_lists_public_pieces_only(client, make_piece):
    when = utcnow().replace(microsecond=0) - timedelta(days=1)
    article = make_piece("Public article", published_at=when)
    interview = make_piece("Public interview", kind=Interview, body_source="Ann Ask (AA): Q?",
                           published_at=when - timedelta(days=1))
    make_piece("A draft", status="draft")
    make_piece("Later", published_at=utcnow() + timedelta(days=1))
    response = client.get("/sitemap.xml")
    assert response.mimetype == "application/xml"
    body = response.get_data(as_text=True)
    rows = re.findall(r"<url><loc>([^<]+)</loc><lastmod>([^<]+)</lastmod></url>", body)
    assert [loc for loc, _ in rows] == [f"{BASE}/articles/{article.slug}",
                                        f"{BASE}/interviews/{interview.slug}"]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", lastmod) for _, lastmod in rows)
    assert body.startswith('<?xml version="1.0" encoding="UTF-8"?>\n'
                           '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n')


@pytest.mark.config(**SERVED)
def test_robots_txt_keeps_crawlers_out_of_the_desk_moderation_and_search(client):
    response = client.get("/robots.txt")
    assert response.mimetype == "text/plain"
    assert response.get_data(as_text=True) == (
        "User-agent: *\nDisallow: /desk\nDisallow: /moderation\nDisallow: /search\n"
        "Disallow: /comments/\nDisallow: /login\nDisallow: /account\nDisallow: /reset\n"
        f"Sitemap: {BASE}/sitemap.xml\n")


def test_the_icons_are_our_own_small_files(client):
    with client.get("/favicon.ico") as response:
        assert response.status_code == 200 and response.headers["Cache-Control"] == "public, max-age=604800"
        icon = response.get_data()
    with PILImage.open(io.BytesIO(icon)) as opened:
        assert opened.format == "ICO"
        assert set(opened.info["sizes"]) == {(16, 16), (32, 32), (48, 48)}
    with client.get("/apple-touch-icon.png") as response:
        touch = response.get_data()
    with PILImage.open(io.BytesIO(touch)) as opened:
        assert (opened.format, opened.size) == ("PNG", (180, 180))
    assert len(icon) < 4096 and len(touch) < 4096
    page = client.get("/").get_data(as_text=True)
    assert "apple-touch-icon" not in page  # phones ask for /apple-touch-icon.png by that name
    assert re.search(r'<link rel="icon" href="/static/favicon\.svg\?v=[0-9a-f]{12}" '
                     r'type="image/svg\+xml">', page)
