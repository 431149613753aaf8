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
