"""The demo interview: loaded once, published in the demo campaign."""

from __future__ import annotations

import re

from cms.demo import CAMPAIGN_SLUG


def test_demo_loads_an_interview_once_with_cyrillic_paragraphs_and_a_footnote(runner, client):
    assert runner.invoke(args=["demo"]).exit_code == 0
    listing = client.get("/interviews").get_data(as_text=True)
    path = re.search(r'<a href="(/interviews/[^"]+)">', listing).group(1)
    page = client.get(path).get_data(as_text=True)
    assert '<strong>Mark Sokolov</strong>:</p>\n<p>Мы перестали зависеть от одного адреса.' in page
    assert "<p>Самое важное — архив." in page
    assert '<a class="footnote-ref" href="#fn:order">1</a>' in page
    assert len(re.findall(r'id="turn-\d+"', page)) == 6
    campaign = client.get(f"/campaigns/{CAMPAIGN_SLUG}").get_data(as_text=True)
    assert f'<a href="{path}">' in campaign
    again = runner.invoke(args=["demo"])
    assert "already loaded: nothing changed" in again.output
    assert len(re.findall(r'<a href="/interviews/[^"]+">', client.get("/interviews").get_data(
        as_text=True))) == 1


def test_demo_includes_an_article_with_its_russian_translation(runner, client):
    assert runner.invoke(args=["demo"]).exit_code == 0
    english = client.get("/articles/why-a-blocked-website-is-a-human-rights-question")
    english = english.get_data(as_text=True)
    russian_path = "/articles/why-a-blocked-website-is-a-human-rights-question-ru"
    assert (f'Also in: <a href="{russian_path}" hreflang="ru" lang="ru">Русский</a>') in english
    russian = client.get(russian_path).get_data(as_text=True)
    assert "<h1>Почему заблокированный сайт — вопрос прав человека</h1>" in russian
    assert '<html lang="ru">' in russian and "Перевод:" in russian  # the translator credited
    assert "already loaded: nothing changed" in runner.invoke(args=["demo"]).output
    status = runner.invoke(args=["translations", "status"]).output
    assert "Русский (ru)               2           1         0" in status
