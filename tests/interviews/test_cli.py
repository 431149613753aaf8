"""`flask interviews import` and `export`, then the page, the feeds and the campaign listing."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import pytest

from tests.interviews.conftest import TRANSCRIPT

ATOM = "{http://www.w3.org/2005/Atom}"
SPEAKERS = [("1", "Dr. Jane Roe"), ("2", "Иван Петров"), ("3", "JR"), ("4", "Mx. A. B. Okafor"),
            ("5", "ИП")]
SAID = ["When did you first notice that the site was blocked?", "В марте. Сначала мы подумали, что это сбой ",
        "And what did you do?", "We published mirrors and a feed.", "И продолжали писать."]


def _turns(html: str) -> list[tuple[str, str, str]]:
    """(anchor, speaker as shown, first words) of each turn in an interview's HTML."""
    found = re.findall(
        r'id="turn-(\d+)">\n<p class="speaker"><strong>(?:<abbr title="[^"]*">)?(.*?)(?:</abbr>)?'
        r"</strong>:</p>\n<p>(?:<strong>)?([^<]*)", html)
    return [(anchor, speaker, text) for anchor, speaker, text in found]


def _expected() -> list[tuple[str, str, str]]:
    return [(anchor, speaker, said) for (anchor, speaker), said in zip(SPEAKERS, SAID, strict=True)]


def _write(tmp_path, text: str, newline: str = "\n"):
    path = tmp_path / "transcript.txt"
    path.write_bytes(text.replace("\n", newline).encode("utf-8"))
    return path


def test_imported_and_published_interview_shows_every_turn_everywhere(
    runner, client, tmp_path, make_user, make_campaign
):
    make_user("admin", email="first-admin@example.org", name="First Admin")
    campaign = make_campaign("Rights online")
    path = _write(tmp_path, TRANSCRIPT, "\r\n")
    result = runner.invoke(args=[
        "interviews", "import", str(path), "--title", "Blocked in March", "--campaign", campaign.slug,
        "--tag", "Censorship", "--tag", "Digital security", "--language", "ru", "--publish"])
    assert result.exit_code == 0, result.output
    assert result.output == "imported: 3 participants, 5 turns\n/interviews/blocked-in-march\n"

    page = client.get("/interviews/blocked-in-march").get_data(as_text=True)
    assert _turns(page) == _expected()
    # A Russian page keeps its links in Russian: the contributor page of /ru/ lists Russian pieces.
    assert '<span class="byline">Автор: <a href="/ru/contributors/first-admin">First Admin</a></span>' in page
    assert 'lang="ru"' in page
    assert '<a href="/ru/tags/censorship" class="tag topic">Censorship</a>' in page
    assert '<a href="/ru/tags/digital-security" class="tag topic">Digital security</a>' in page

    for feed_url in ("/feed.atom", f"/campaigns/{campaign.slug}/feed.atom"):
        feed = ElementTree.fromstring(client.get(feed_url).data)
        entry = feed.find(f"{ATOM}entry")
        assert entry.find(f"{ATOM}title").text == "Blocked in March"
        assert _turns(entry.find(f"{ATOM}content").text) == _expected()

    listing = client.get(f"/campaigns/{campaign.slug}").get_data(as_text=True)
    assert '<a href="/interviews/blocked-in-march">Blocked in March</a>' in listing
    assert '<span class="kind">Interview</span>' in listing


def test_import_without_publish_leaves_a_draft(runner, client, tmp_path, make_user):
    author = make_user("writer", email="wren@example.org")
    result = runner.invoke(args=["interviews", "import", str(_write(tmp_path, TRANSCRIPT)),
                                 "--title", "Draft talk", "--author", author.email])
    assert result.exit_code == 0, result.output
    assert client.get("/interviews/draft-talk").status_code == 404


def test_parse_error_exits_non_zero_with_the_line_and_saves_nothing(runner, client, tmp_path, make_user):
    make_user("admin")
    path = _write(tmp_path, "Intro.\n\nJane Roe (JR): Hi.\n\nZZ: Who?\n", "\r\n")
    result = runner.invoke(args=["interviews", "import", str(path), "--title", "Broken", "--publish"])
    assert result.exit_code == 1
    assert "Line 5: the initials ZZ are used before a speaker declares them" in result.output
    assert client.get("/interviews/broken").status_code == 404
    assert "Broken" not in client.get("/interviews").get_data(as_text=True)


def test_import_refuses_unknown_campaign_author_and_no_admin(runner, tmp_path, make_user):
    path = str(_write(tmp_path, TRANSCRIPT))
    result = runner.invoke(args=["interviews", "import", path, "--title", "T"])
    assert result.exit_code == 1 and "No admin account" in result.output
    make_user("admin")
    result = runner.invoke(args=["interviews", "import", path, "--title", "T", "--campaign", "nope"])
    assert result.exit_code == 1 and "No campaign with the slug nope." in result.output
    result = runner.invoke(args=["interviews", "import", path, "--title", "T", "--author", "x@y.org"])
    assert result.exit_code == 1 and "No user with the email x@y.org." in result.output


def test_help_says_the_author_defaults_to_the_first_admin(runner):
    result = runner.invoke(args=["interviews", "import", "--help"])
    assert "the first admin account" in result.output


def test_export_then_import_gives_the_same_participants_turns_and_text(runner, client, tmp_path, make_user):
    make_user("admin")
    runner.invoke(args=["interviews", "import", str(_write(tmp_path, TRANSCRIPT)),
                        "--title", "Original", "--publish"])
    exported = runner.invoke(args=["interviews", "export", "original"])
    assert exported.exit_code == 0
    assert exported.output.startswith("We met the two defenders in a borrowed office")
    copy = tmp_path / "exported.txt"
    copy.write_text(exported.output, encoding="utf-8")
    result = runner.invoke(args=["interviews", "import", str(copy), "--title", "Copy", "--publish"])
    assert result.output == "imported: 3 participants, 5 turns\n/interviews/copy\n"
    assert runner.invoke(args=["interviews", "export", "copy"]).output == exported.output
    original = client.get("/interviews/original").get_data(as_text=True)
    again = client.get("/interviews/copy").get_data(as_text=True)
    body = re.compile(r'<div class="interview">.*?</section>\s*</div>', re.S)
    assert body.search(original).group(0) == body.search(again).group(0)


def test_export_of_an_unknown_slug_fails(runner):
    result = runner.invoke(args=["interviews", "export", "missing"])
    assert result.exit_code == 1 and "No interview with the slug missing." in result.output


@pytest.mark.config(CMS_BASE_URL="https://news.example.org")
def test_import_on_a_served_site_prints_the_public_address(runner, tmp_path, make_user):
    make_user("admin")
    result = runner.invoke(args=["interviews", "import", str(_write(tmp_path, TRANSCRIPT)),
                                 "--title", "Served", "--publish"])
    assert result.exit_code == 0, result.output
    assert result.output == "imported: 3 participants, 5 turns\nhttps://news.example.org/interviews/served\n"


def test_import_takes_only_a_language_the_site_offers(runner, tmp_path, make_user):
    make_user("admin")
    result = runner.invoke(args=["interviews", "import", str(_write(tmp_path, TRANSCRIPT)),
                                 "--title", "Elsewhere", "--language", "xx"])
    assert result.exit_code == 1
    assert "'xx' is not one of the site's languages: en, ru, az (CMS_LANGUAGES)." in result.output
