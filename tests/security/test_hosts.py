"""Links are built from CMS_BASE_URL, never from the Host a client sent; other hosts get 400."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cms import gunicorn_conf
from cms.comments import mail
from cms.links import BaseURLError, external_url, parse_base_url

ROOT = Path(__file__).resolve().parents[2]
BASE = "https://news.example.org"


@pytest.mark.config(CMS_BASE_URL=BASE, CMS_TRUSTED_HOSTS="news.example.org,evil.example")
def test_feeds_and_canonical_links_use_the_base_url_whatever_the_host(client, make_piece):
    make_piece("Linked")
    feed = client.get("/feed.atom", headers={"Host": "evil.example"}).get_data(as_text=True)
    assert f'<id>{BASE}/articles/linked</id>' in feed
    assert f'href="{BASE}/feed.atom"' in feed and "evil.example" not in feed
    page = client.get("/articles/linked", headers={"Host": "evil.example"}).get_data(as_text=True)
    assert f'<link rel="canonical" href="{BASE}/articles/linked">' in page


@pytest.mark.config(CMS_BASE_URL=BASE + "/site/")
def test_a_base_url_with_a_path_prefixes_every_link(app):
    with app.app_context():
        assert external_url("articles.show", slug="a") == f"{BASE}/site/articles/a"


@pytest.mark.config(CMS_BASE_URL=BASE, CMS_MAIL_SERVER="mail.invalid")
def test_the_moderators_email_links_to_the_base_url(app, make_piece, make_user):
    from cms.comments.models import Comment

    make_user("moderator")
    piece = make_piece("Mailed")
    with app.test_request_context("/", headers={"Host": "evil.example"}):
        comment = Comment(piece_id=piece.id, author_name="R", body="x", body_html="<p>x</p>")
        comment.piece = piece
        message = mail._message(comment, ["m@example.org"])
    assert f"{BASE}/moderation/comments" in message.get_content()
    assert "evil.example" not in message.get_content()


@pytest.mark.config(CMS_BASE_URL=BASE)
@pytest.mark.parametrize("host", ["evil.example", "news.example.org.evil.example", "x" * 5000,
                                  "news.example.org@evil", "[::1", "news.example.org\tx", "é.example"])
def test_any_other_host_gets_a_400_that_does_not_echo_it(client, host):
    response = client.get("/", headers={"Host": host})
    assert response.status_code == 400
    assert response.get_data(as_text=True) == "This site does not answer to that host name.\n"


@pytest.mark.config(CMS_BASE_URL=BASE)
def test_the_base_urls_host_is_trusted_by_default(client):
    assert client.get("/healthz", headers={"Host": "news.example.org"}).status_code == 200
    assert client.get("/healthz", headers={"Host": "news.example.org:8443"}).status_code == 200


@pytest.mark.parametrize("value", ["news.example.org", "ftp://news.example.org", "https://",
                                   "https://news.example.org/?a=1", "https://u:p@news.example.org"])
def test_a_base_url_that_is_no_site_address_is_refused(value):
    with pytest.raises(BaseURLError):
        parse_base_url(value)


def _import_wsgi(env_extra: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CMS_")}
    env.update(CMS_INSTANCE_PATH=str(tmp_path), CMS_SECRET_KEY="x", **env_extra)
    return subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


def test_the_served_app_refuses_to_start_without_a_base_url(tmp_path):
    refused = _import_wsgi({}, tmp_path)
    assert refused.returncode != 0
    assert "CMS_BASE_URL is not set" in refused.stderr
    assert _import_wsgi({"CMS_BASE_URL": BASE}, tmp_path).returncode == 0


def test_gunicorn_believes_no_forwarded_header_itself():
    assert gunicorn_conf.forwarded_allow_ips == ""
    assert gunicorn_conf.secure_scheme_headers == {}


def test_forwarded_headers_are_ignored_without_trusted_proxies(client, make_piece):
    """Without CMS_TRUSTED_PROXIES a client cannot claim another scheme or address."""
    make_piece("Proxied")
    client.get("/articles/proxied", headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil"})
    from cms.extensions import cache

    with client.application.app_context():
        keys = list(cache.cache._cache)
    assert any(":http:localhost:/articles/proxied" in key for key in keys)
    assert not any("https" in key or "evil" in key for key in keys)


@pytest.mark.parametrize("host", ["xn--", "xn--zz-", "a" * 300, "a..b", "-a", "localhost:99999",
                                  "localhost:", "[::1", "h:1:2", "é.example"])
def test_a_host_no_address_can_be_built_from_gets_the_plain_400_even_without_a_base_url(app, host):
    """Werkzeug's routing fails on these (IDNA, lengths) before any view or error page."""
    from werkzeug.test import EnvironBuilder

    for path in ("/", "/feed.atom", "/no-such-page"):
        environ = EnvironBuilder(path=path).get_environ()
        environ["HTTP_HOST"] = host  # as a server passes it (the test client fails on these too)
        answered: list[str] = []
        body = b"".join(app(environ, lambda status, headers, seen=answered: seen.append(status)))
        assert answered == ["400 Bad Request"]
        assert body == b"This site does not answer to that host name.\n"


@pytest.mark.parametrize("host", ["localhost", "localhost:5000", "[::1]:8080", "xn--80ak6aa92e.com"])
def test_ordinary_hosts_pass(client, host):
    assert client.get("/healthz", headers={"Host": host}).status_code == 200
