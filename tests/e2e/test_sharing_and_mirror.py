"""In Chromium: a shared article's card, the image width a phone fetches, the printed page, and
a built mirror opened from file:// as from a USB stick."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image as PILImage
from playwright.sync_api import Browser, Page, expect

from cms.articles.images import store_image
from cms.articles.models import Image
from cms.extensions import db
from cms.mirror.build import build
from tests.e2e.conftest import LiveServer, Published

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def photo_story(live_server: LiveServer) -> tuple[Published, Image]:
    """A published article with a 2,000 px photo (stored at 480, 960 and 1,600 px)."""
    picture = io.BytesIO()
    PILImage.new("RGB", (2000, 1250), (40, 90, 150)).save(picture, format="JPEG")
    picture.seek(0)
    with live_server.app.app_context():
        image = store_image(picture, alt_text="Readers queueing at a kiosk")
        db.session.commit()
        db.session.refresh(image)
        db.session.expunge(image)
        db.engine.dispose()
    piece = live_server.publish("Readers find the way back", "The **body** of the story.",
                                standfirst="A blocked site kept its readers.", image=image,
                                topics=["Censorship"])
    return piece, image


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 375, "height": 800}, device_scale_factor=1)
    yield context.new_page()
    context.close()


def test_a_shared_article_exposes_its_card_and_canonical_link(browser: Browser, live_server: LiveServer,
                                                               photo_story: tuple[Published, Image]):
    piece, image = photo_story
    context = browser.new_context()
    page = context.new_page()
    page.goto(live_server.url + piece.path)

    def meta(name: str) -> str | None:
        return page.locator(f'meta[property="{name}"]').get_attribute("content")

    assert meta("og:title") == "Readers find the way back"
    assert meta("og:description") == "A blocked site kept its readers."
    assert meta("og:image") == f"{live_server.url}/media/{image.filename}"
    assert meta("og:image:alt") == "Readers queueing at a kiosk"
    assert meta("og:type") == "article"
    assert page.locator('link[rel="canonical"]').get_attribute("href") == live_server.url + piece.path
    description = page.locator('meta[name="description"]').get_attribute("content")
    assert description == "A blocked site kept its readers."
    card_image = context.request.get(meta("og:image"))
    assert card_image.status == 200 and card_image.headers["content-type"] == "image/jpeg"
    context.close()


@pytest.mark.parametrize(("width", "ratio", "expected"), [(375, 1, "480"), (375, 2, "960"), (1280, 1, "960"),
                                                          (1280, 2, "full")])
def test_the_browser_fetches_the_width_its_screen_needs(browser: Browser, live_server: LiveServer,
                                                        photo_story: tuple[Published, Image],
                                                        width: int, ratio: int, expected: str):
    piece, image = photo_story
    stem = image.filename.removesuffix(".jpg")
    wanted = image.filename if expected == "full" else f"{stem}-{expected}.jpg"
    context = browser.new_context(viewport={"width": width, "height": 800}, device_scale_factor=ratio)
    page = context.new_page()
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url) if "/media/" in request.url else None)
    page.goto(live_server.url + piece.path, wait_until="load")
    lead = page.locator("figure.lead img")
    expect(lead).to_have_attribute("width", "1600")
    assert lead.evaluate("img => img.complete && img.currentSrc") == f"{live_server.url}/media/{wanted}"
    assert fetched == [f"{live_server.url}/media/{wanted}"]  # that width only, never the others
    context.close()


def test_a_printed_page_has_its_text_date_and_address_and_no_navigation(phone: Page, live_server: LiveServer,
                                                                        photo_story: tuple[Published, Image]):
    piece, _ = photo_story
    phone.goto(live_server.url + piece.path)
    expect(phone.locator("p.printed")).to_be_hidden()
    phone.emulate_media(media="print")
    expect(phone.locator("header.site nav")).to_be_hidden()
    expect(phone.locator("footer.site .links")).to_be_hidden()
    expect(phone.locator("#comments .button")).to_be_hidden()
    expect(phone.locator("p.printed")).to_have_text(f"Printed from {live_server.url}{piece.path}")
    expect(phone.locator("article.piece h1")).to_be_visible()
    expect(phone.locator("article.piece .meta time")).to_be_visible()


def test_a_mirror_opened_from_disk_works_without_any_server(browser: Browser, live_server: LiveServer,
                                                            photo_story: tuple[Published, Image],
                                                            tmp_path: Path):
    piece, image = photo_story
    app = live_server.app
    app.config["CMS_BASE_URL"] = live_server.url
    try:
        report = build(app, tmp_path / "usb")
    finally:
        app.config["CMS_BASE_URL"] = None
        with app.app_context():
            db.engine.dispose()
    assert report.skipped == []
    context = browser.new_context(viewport={"width": 375, "height": 800}, device_scale_factor=1)
    page = context.new_page()
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.on("request", lambda request: failed.append(request.url) if request.url.startswith("http") else None)
    page.goto((tmp_path / "usb" / "index.html").as_uri())
    assert page.evaluate("() => getComputedStyle(document.body).maxWidth") == "736px"  # style.css applied
    page.get_by_role("link", name="Readers find the way back").first.click()
    expect(page.locator("h1")).to_have_text("Readers find the way back")
    assert page.url.endswith(f"{piece.path}/index.html")
    stem = image.filename.removesuffix(".jpg")
    shown = page.locator("figure.lead img").evaluate("img => img.currentSrc")
    assert shown.endswith(f"/media/{stem}-480.jpg")
    page.get_by_role("link", name="Censorship").click()
    expect(page.locator("h1")).to_have_text("Censorship")
    page.get_by_role("link", name="Search").click()
    expect(page.locator("main p").first).to_contain_text("cannot search")
    assert failed == []  # nothing asked of any server, nothing missing
    context.close()
