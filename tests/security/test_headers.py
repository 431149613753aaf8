"""Headers, cookies and proxies on every response."""

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from cms.security import CSP


def test_every_response_carries_the_security_headers(client, make_piece):
    make_piece("Read")
    for url in ("/", "/articles/read", "/login", "/no-such-page", "/feed.atom", "/static/style.css"):
        with client.get(url) as response:
            headers = response.headers
        assert headers["Content-Security-Policy"] == CSP, url
        for part in ("default-src 'self'", "object-src 'none'", "base-uri 'none'",
                     "frame-ancestors 'none'", "form-action 'self'"):
            assert part in headers["Content-Security-Policy"]
        assert "unsafe-inline" not in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["Permissions-Policy"] == (
            "camera=(), microphone=(), geolocation=(), interest-cohort=()")
        assert "Strict-Transport-Security" not in headers


def test_desk_moderation_and_login_pages_are_never_cached_or_indexed(client, auth, make_user):
    auth.login(make_user("editor"))
    for url in ("/desk/", "/desk/new", "/login", "/moderation/comments", "/moderation/comments?status=spam"):
        headers = client.get(url).headers
        assert headers["Cache-Control"] == "private, no-store", url
        assert headers["X-Robots-Tag"] == "noindex", url


@pytest.mark.config(CMS_HTTPS=True)
def test_https_mode_sends_hsts_and_a_host_prefixed_secure_cookie(client, make_user):
    assert client.get("/", base_url="https://localhost").headers["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains")
    writer = make_user("writer")
    response = client.post("/login", base_url="https://localhost",
                           headers={"Referer": "https://localhost/login"},
                           data={"email": writer.email, "password": "correct horse battery staple"})
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=")
    assert "; Secure" in cookie and "; HttpOnly" in cookie and "; Path=/" in cookie
    assert "SameSite=Lax" in cookie and "Domain" not in cookie


def test_session_cookie_is_httponly_lax_and_lasts_twelve_hours(client, auth, make_user):
    response = auth.login(make_user("writer"))
    cookie = response.headers["Set-Cookie"]
    assert "; HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.application.permanent_session_lifetime.total_seconds() == 12 * 3600
    assert "Expires=" in cookie


@pytest.mark.config(PERMANENT_SESSION_LIFETIME=3600)
def test_the_session_lifetime_is_a_setting(client):
    assert client.application.permanent_session_lifetime.total_seconds() == 3600


def _remote_addr_app(app):
    @app.route("/_whoami")
    def whoami():
        from flask import request

        return f"{request.remote_addr} {request.scheme}"

    return app.test_client()


def test_forwarded_headers_are_ignored_without_trusted_proxies(app):
    client = _remote_addr_app(app)
    seen = client.get("/_whoami", headers={"X-Forwarded-For": "203.0.113.9",
                                           "X-Forwarded-Proto": "https"})
    assert seen.get_data(as_text=True) == "127.0.0.1 http"


@pytest.mark.config(CMS_TRUSTED_PROXIES=1)
def test_one_trusted_proxy_hop_is_believed(app):
    client = _remote_addr_app(app)
    seen = client.get("/_whoami", headers={"X-Forwarded-For": "198.51.100.7, 203.0.113.9",
                                           "X-Forwarded-Proto": "https"})
    assert seen.get_data(as_text=True) == "203.0.113.9 https"


class _Assets(HTMLParser):
    """Every address a page makes the browser fetch or follow as a resource."""

    def __init__(self) -> None:
        super().__init__()
        self.addresses: list[tuple[str, str]] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag in {"script", "img", "iframe", "audio", "video", "source", "embed", "input"}:
            if values.get("src"):
                self.addresses.append((tag, values["src"]))
        # A canonical or alternate link names an address; the browser does not fetch it.
        if tag == "link" and values.get("href") and values.get("rel") not in {"canonical", "alternate"}:
            self.addresses.append((f"link rel={values.get('rel')}", values["href"]))
        if tag == "object" and values.get("data"):
            self.addresses.append((tag, values["data"]))
        if tag == "a" and values.get("href", "").startswith("/"):
            self.links.append(values["href"])
        style = values.get("style", "")
        for url in re.findall(r"url\(([^)]*)\)", style):
            self.addresses.append(("style", url))


def test_no_public_page_loads_anything_from_another_host(client, make_piece, make_campaign):
    campaign = make_campaign("Camp")
    make_piece("With image and links", campaign_id=campaign.id, topics=["T"], countries=["C"],
               body_source="[out](https://example.net/) ![i](https://tracker.example/p.png)")
    seen, queue, checked = set(), ["/"], 0
    while queue and checked < 60:
        url = queue.pop()
        if url in seen or url.startswith(("/static/", "/media/", "/login")):
            continue
        seen.add(url)
        response = client.get(url)
        if response.mimetype != "text/html":
            continue
        checked += 1
        parser = _Assets()
        parser.feed(response.get_data(as_text=True))
        for what, address in parser.addresses:
            parts = urlsplit(address)
            assert not parts.netloc and not parts.scheme, f"{url}: {what} loads {address}"
        queue.extend(link.split("#")[0] for link in parser.links)
    assert checked >= 6
    with client.get("/static/style.css") as response:
        stylesheet = response.get_data(as_text=True)
    assert "@import" not in stylesheet and "http" not in stylesheet


def test_a_forged_host_cannot_poison_the_cached_feed(client, make_piece):
    make_piece("Feed entry")
    forged = client.get("/feed.atom", headers={"Host": "evil.example"})
    assert "http://evil.example/articles/feed-entry" in forged.get_data(as_text=True)
    honest = client.get("/feed.atom").get_data(as_text=True)
    assert "evil.example" not in honest
    assert "http://localhost/articles/feed-entry" in honest


@pytest.mark.config(CMS_TRUSTED_HOSTS="news.example.org, localhost")
def test_with_trusted_hosts_any_other_host_is_refused(client, make_piece):
    make_piece("Feed entry")
    assert client.get("/feed.atom", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/feed.atom", headers={"Host": "news.example.org"}).status_code == 200
