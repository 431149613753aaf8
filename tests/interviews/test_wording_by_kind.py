"""Sentences about a piece name its kind: "This interview is part of ..." under an interview."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("attribution", [
    "This article is part of the Rights campaign, financed by the Rights Fund.",
    "This piece is part of the Rights campaign, financed by the Rights Fund.",
])
def test_the_campaign_line_names_the_kind_of_piece(client, make_campaign, make_piece,
                                                   make_interview, attribution):
    campaign = make_campaign("Rights", attribution=attribution)
    make_piece("An article", campaign_id=campaign.id)
    make_interview("A talk", campaign_id=campaign.id)
    rest = "is part of the Rights campaign, financed by the Rights Fund."
    article = client.get("/articles/an-article").get_data(as_text=True)
    interview = client.get("/interviews/a-talk").get_data(as_text=True)
    assert f'<p class="attribution">This article {rest}</p>' in article
    assert f'<p class="attribution">This interview {rest}</p>' in interview
    assert "This article" not in interview


def test_other_wordings_are_shown_as_written(client, make_campaign, make_interview):
    campaign = make_campaign("Press", attribution="Financed by the Press Fund; this article series…")
    make_interview("Another talk", campaign_id=campaign.id)
    page = client.get("/interviews/another-talk").get_data(as_text=True)
    assert '<p class="attribution">Financed by the Press Fund; this article series…</p>' in page
