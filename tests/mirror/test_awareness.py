"""The live site names its mirrors and its onion service: /mirrors, /mirrors.json, the footer
link on every page, the Onion-Location header of every public page."""

from __future__ import annotations

import pytest

from cms import create_app
from tests.conftest import base_config
from tests.mirror.conftest import SETTINGS

ONION = SETTINGS["CMS_ONION_URL"]
# The test client asks for localhost.
SERVED = {**SETTINGS, "CMS_TRUSTED_HOSTS": "news.example.org,localhost"}
FOOTER_LINK = '<a href="/mirrors">If this site is blocked</a>'


@pytest.mark.config(**SERVED)
def test_mirrors_page_lists_every_address_and_the_onion_service(client):
    page = client.get("/mirrors").get_data(as_text=True)
    assert '<h1>If this site is blocked</h1>' in page
    assert ('<li><a href="https://mirror.example.net/" rel="noopener noreferrer">https://mirror.example.net</a></li>'
            in page)
    assert ('<li><a href="https://copy.example.com/news/" rel="noopener noreferrer">'
            "https://copy.example.com/news</a></li>") in page
    assert f'<a href="{ONION}/" rel="noopener noreferrer"><code class="address">{ONION}</code></a>' in page
    assert '<a href="/mirrors.json">mirrors.json</a>' in page


@pytest.mark.config(**SERVED)
def test_mirrors_json_says_the_same_for_programs(client):
    response = client.get("/mirrors.json")
    assert response.mimetype == "application/json"
    assert response.get_json() == {
        "site": "Campaign CMS", "url": "https://news.example.org/",
        "mirrors": ["https://mirror.example.net", "https://copy.example.com/news"], "onion": ONION}


def test_without_mirrors_the_page_says_so(client):
    page = client.get("/mirrors").get_data(as_text=True)
    assert "<p>No other address is listed yet.</p>" in page
    assert "Onion service" not in page
    assert client.get("/mirrors.json").get_json()["mirrors"] == []
    assert client.get("/mirrors.json").get_json()["onion"] is None


@pytest.mark.config(**SERVED)
def test_every_public_page_names_its_onion_twin_and_private_ones_do_not(client, make_piece):
    piece = make_piece("Onion story")
    for path in ("/", f"/articles/{piece.slug}", "/archive", "/mirrors", "/interviews?page=2"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.headers["Onion-Location"] == ONION + path, path
    assert client.get("/?page=2").headers["Onion-Location"] == f"{ONION}/?page=2"
    for path in ("/login", "/desk/", "/moderation/comments", "/no-such-page", "/feed.atom"):
        assert "Onion-Location" not in client.get(path).headers, path


@pytest.mark.config(**SERVED)
def test_a_cached_page_keeps_its_onion_header(client):
    first, second = client.get("/"), client.get("/")
    assert first.headers["Onion-Location"] == second.headers["Onion-Location"] == f"{ONION}/"


def test_no_onion_address_no_header(client):
    assert "Onion-Location" not in client.get("/").headers


@pytest.mark.config(**SERVED)
def test_every_page_links_to_the_mirrors_from_its_footer(client, make_piece, auth, make_user):
    piece = make_piece("Footer story")
    for path in ("/", f"/articles/{piece.slug}", "/archive", "/login", "/no-such-page", "/search"):
        assert FOOTER_LINK in client.get(path).get_data(as_text=True), path
    auth.login(make_user("editor"))
    assert FOOTER_LINK in client.get("/desk/").get_data(as_text=True)


@pytest.mark.parametrize(("setting", "value", "message"), [
    ("CMS_MIRRORS", "https://ok.example, ftp://old.example",
     "CMS_MIRRORS must list http:// or https:// addresses, not 'ftp://old.example'"),
    ("CMS_MIRRORS", "mirror.example.net", "CMS_MIRRORS must list http:// or https:// addresses, not "
     "'mirror.example.net'"),
    ("CMS_ONION_URL", "https://news.example.org", "CMS_ONION_URL must be an address on .onion, not "
     "'https://news.example.org'"),
])
def test_a_mirror_setting_that_cannot_work_stops_the_start(tmp_path, setting, value, message):
    with pytest.raises(ValueError) as refused:
        create_app({**base_config(tmp_path / "instance", "sqlite://"), setting: value})
    assert str(refused.value) == message
