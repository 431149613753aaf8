"""One story in two languages, in headless Chromium with JavaScript on and off: a writer
translates an interview into Russian; readers find each language from the other; the Russian
page speaks Russian; a change to the original flags the translation outdated.

Every step leaves a screenshot in test-results/e2e/test_translation_journey/<test>/.
"""

import re

import pytest
from babel.dates import format_date
from playwright.sync_api import expect

from cms.database import utc_to_site, utcnow
from tests.e2e.conftest import WIDTHS, Axe, Journey, LiveServer, assert_no_sideways_scroll, log_in

pytestmark = pytest.mark.e2e

TRANSCRIPT = """The editors of a blocked site on what readers can do.

Leyla Aliyeva (LA): What changed when the site was blocked?

Rashad Mammadov (RM): Our readers found the mirrors before we announced them.
"""


def test_a_translation_is_linked_speaks_russian_and_is_flagged_when_the_original_changes(journey: Journey):
    variant = "js" if journey.js else "nojs"
    original = journey.server.publish(f"Readers find the mirrors ({variant})", TRANSCRIPT, interview=True,
                                      standfirst="The first standfirst.")
    writer = journey.person()
    journey.log_in(writer, "writer")
    writer.get_by_role("link", name=original.title).click()
    writer.get_by_label("Translate into").select_option("ru")
    writer.get_by_role("button", name="Translate").click()
    expect(writer.get_by_role("status")).to_have_text(
        "A draft in Русский: translate the text, then publish it.")
    expect(writer.locator(".versions")).to_contain_text(f"A translation of {original.title} (English)")
    journey.step(writer, "the Russian draft")
    russian_title = f"Читатели находят зеркала ({variant})"
    writer.get_by_label("Title").fill(russian_title)
    writer.get_by_label("Transcript").fill(TRANSCRIPT.replace(
        "Our readers found the mirrors before we announced them.",
        "Наши читатели нашли зеркала раньше, чем мы о них объявили."))
    writer.get_by_role("button", name="Save", exact=True).click()
    writer.get_by_role("button", name="Publish", exact=True).click()
    expect(writer.get_by_role("status")).to_have_text("Published.")
    journey.step(writer, "the translation published")

    reader = journey.person()
    reader.goto(original.path)
    also = reader.locator(".versions")
    expect(also).to_contain_text("Also in: Русский")
    expect(also.get_by_role("link", name="Русский")).to_have_attribute("hreflang", "ru")
    expect(reader.locator('link[rel=alternate][hreflang=ru]')).to_have_count(1)
    expect(reader.locator('link[rel=alternate][hreflang=x-default]')).to_have_attribute(
        "href", re.compile(re.escape(original.path) + "$"))
    journey.step(reader, "the English page, with its Russian version")
    also.get_by_role("link", name="Русский").click()
    expect(reader.get_by_role("heading", level=1)).to_have_text(russian_title)
    expect(reader.locator("html")).to_have_attribute("lang", "ru")
    expect(reader.get_by_role("navigation", name="Сайт").get_by_role("link", name="Главная")).to_be_visible()
    today = format_date(utc_to_site(utcnow(), journey.server.app.config["CMS_TIMEZONE"]), "d MMMM y",
                        locale="ru")  # "8 декабря 2026": the month in Russian, as Babel writes it
    expect(reader.locator("article.piece .meta time")).to_have_text(today)
    expect(reader.locator("article.piece .meta")).to_contain_text("Перевод:")
    journey.step(reader, "the Russian page")
    reader.get_by_role("link", name="Написать комментарий").click()
    expect(reader.locator("#body-help")).to_contain_text("Обычный текст")
    expect(reader.locator("#body-help")).to_contain_text("Строки и абзацы переносятся автоматически.")
    expect(reader.get_by_role("button", name="Отправить комментарий")).to_be_visible()
    journey.step(reader, "the comment form in Russian")

    writer.goto("/desk/")
    writer.get_by_role("link", name=original.title).click()
    writer.get_by_label("Standfirst").fill("A corrected standfirst.")
    writer.get_by_role("button", name="Save", exact=True).click()
    writer.get_by_role("button", name="Publish changes").click()
    writer.goto("/desk/")
    outdated = writer.get_by_role("region", name=re.compile(r"^Outdated translations"))
    expect(outdated.get_by_role("link", name=russian_title)).to_be_visible()
    journey.step(writer, "the desk lists the outdated translation")
    reader.goto(original.path)
    reader.locator(".versions").get_by_role("link", name="Русский").click()
    expect(reader.locator(".outdated-note")).to_contain_text("Оригинал изменился")
    expect(reader.locator(".outdated-note").get_by_role("link", name="читать оригинал")).to_have_attribute(
        "hreflang", "en")
    journey.step(reader, "readers are told the translation is behind")


@pytest.mark.parametrize("width", list(WIDTHS))
def test_pages_in_each_language_are_accessible(axe: Axe, live_server: LiveServer, width: str):
    live_server.publish(f"Söz azadlığı {width}", "Mətn.", language="az")
    russian = live_server.publish(f"Свобода слова {width}", "Текст.", language="ru")
    page = axe.page()
    page.set_viewport_size(WIDTHS[width])
    for path in (russian.path, "/ru/", "/az/", "/ru/archive", "/az/interviews"):
        page.goto(path)
        assert_no_sideways_scroll(page)
        axe.assert_clean(page, f"{path} {width}")
    log_in(page, live_server, "writer")  # the desk in English around the pieces' own languages
    page.goto("/desk/")
    axe.assert_clean(page, f"desk with pieces in three languages {width}")
