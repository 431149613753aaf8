"""docs/deploy/nginx-mirror.conf: nginx accepts it (`nginx -t`), it sends the headers the app
sends, and it serves a built mirror with gzip and the cache lifetimes it promises.

Without nginx these tests are skipped, except in CI (CI=true), where .ci/run installs it."""

from __future__ import annotations

import gzip
import os
import re
import shutil
import socket
import subprocess
import urllib.error
import urllib.request

import pytest

from bench.nginx_mirror import CONFIG, start
from cms.security import CSP, PERMISSIONS
from tests.mirror.conftest import SETTINGS, build_mirror, build_site

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)


def need_nginx() -> str:
    if NGINX is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("nginx is missing (CI=true: .ci/run installs it)", pytrace=False)
        pytest.skip("nginx is not installed")
    return NGINX


def test_nginx_accepts_the_configuration():
    result = subprocess.run([need_nginx(), "-t", "-c", str(CONFIG)], capture_output=True, text=True,
                            timeout=30)
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr and "test is successful" in result.stderr


def test_the_configuration_sends_the_apps_security_headers():
    text = CONFIG.read_text()
    headers = re.findall(r'^\s*add_header (\S+) "([^"]*)" always;', text, flags=re.MULTILINE)
    expected = [("Content-Security-Policy", CSP), ("X-Content-Type-Options", "nosniff"),
                ("Referrer-Policy", "same-origin"), ("Permissions-Policy", PERMISSIONS),
                ("X-Frame-Options", "DENY")]
    assert headers[:5] == expected  # the server's
    assert headers[5:] == [("Cache-Control", "public, max-age=3600, s-maxage=300"), *expected]  # /media/


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, dict(response.headers), response.read()


@pytest.mark.config(**SETTINGS)
def test_nginx_serves_the_mirror_with_gzip_and_its_cache_lifetimes(app, tmp_path):
    nginx = need_nginx()
    site = build_site(app)
    out = tmp_path / "mirror"
    build_mirror(app, out)
    port = _free_port()
    server = start(nginx, out, port, tmp_path)
    base = f"http://127.0.0.1:{port}"
    try:
        status, headers, body = _get(base + "/", **{"Accept-Encoding": "gzip"})
        assert status == 200 and headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(body) == (out / "index.html").read_bytes()
        assert headers["Cache-Control"] == "max-age=3600"
        assert headers["Content-Security-Policy"] == CSP and headers["Referrer-Policy"] == "same-origin"
        # The main site's address of a page finds its file too.
        status, _, body = _get(f"{base}/articles/{site.slugs['lead']}")
        assert body == (out / "articles" / site.slugs["lead"] / "index.html").read_bytes()
        _, headers, _ = _get(base + "/static/style.css?v=1")
        assert headers["Cache-Control"] == "max-age=31536000"
        _, headers, _ = _get(f"{base}/media/{site.public_image}")
        assert headers["Cache-Control"] == "public, max-age=3600, s-maxage=300"
        assert headers["X-Frame-Options"] == "DENY"
        _, headers, _ = _get(base + "/favicon.ico")
        assert headers["Cache-Control"] == "max-age=604800"
        with pytest.raises(urllib.error.HTTPError) as missing:
            _get(base + "/.cms-mirror")
        assert missing.value.code == 404
        missing.value.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
