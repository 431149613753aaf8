"""`mirror build OUT`: the fixture site as files on disk, walked link by link from index.html."""

from __future__ import annotations

import re
import zipfile
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from sqlalchemy import select

from cms.articles.models import Piece
from cms.articles.services import unpublish
from cms.database import utcnow
from cms.extensions import db
from tests.mirror.conftest import BASE, PRIVATE, SETTINGS, build_mirror

pytestmark = pytest.mark.config(**SETTINGS)
SUMMARY = re.compile(r"\Amirror in (?P<out>.+): (?P<files>[\d,]+) files: (?P<written>[\d,]+) written, "
                     r"(?P<unchanged>[\d,]+) unchanged, (?P<removed>[\d,]+) removed; (?P<origin>[\d,]+) "
                     r"links to the main site \(comment forms\); [\d.]+ s\n\Z")
COMMENT_LINK = re.compile(rf"\A{re.escape(BASE)}/comments/\d+/(write|reply/\d+)\Z")


class Links(HTMLParser):
    """Every address a page links to or shows, with the tag and rel it is in; the ids it has."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str, str]] = []  # (tag, rel, address)
        self.ids: set[str] = set()
        self.forms = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if "id" in values:
            self.ids.add(values["id"])
        self.forms += tag == "form"
        for name in ("href", "src"):
            if name in values:
                self.links.append((tag, values.get("rel", ""), values[name]))
        for item in values.get("srcset", "").split(","):
            if item.strip():
                self.links.append((tag, "", item.split()[0]))


def read(path: Path) -> Links:
    parser = Links()
    parser.feed(path.read_text("utf-8"))
    return parser


def walk(out: Path) -> tuple[set[Path], list[str]]:
    """Every file reached from index.html through links and images; what was wrong on the way."""
    seen, queue, problems = {out / "index.html"}, [out / "index.html"], []
    wanted_ids: list[tuple[Path, str, Path]] = []
    while queue:
        page = queue.pop()
        for tag, rel, address in read(page).links:
            parts = urlsplit(address)
            if parts.scheme in {"mailto", "tel"} or (not parts.scheme and not parts.path):
                if parts.fragment:
                    wanted_ids.append((page, parts.fragment, page))
                continue
            if parts.scheme or parts.netloc:
                if address.startswith(BASE) and "canonical" not in rel and not COMMENT_LINK.match(address):
                    problems.append(f"{page.relative_to(out)}: <{tag}> to the main site: {address}")
                continue
            target = (page.parent / unquote(parts.path)).resolve()
            if not target.is_relative_to(out.resolve()) or not target.is_file():
                problems.append(f"{page.relative_to(out)}: <{tag}> to nothing: {address}")
                continue
            if parts.fragment and target.suffix == ".html":
                wanted_ids.append((target, parts.fragment, page))
            if target not in seen:
                seen.add(target)
                if target.suffix == ".html":
                    queue.append(target)
    for target, fragment, page in wanted_ids:
        if fragment not in read(target).ids:
            problems.append(f"{page.relative_to(out)}: no #{fragment} in {target.relative_to(out)}")
    return seen, problems


def files_of(out: Path) -> dict[str, bytes]:
    return {path.relative_to(out).as_posix(): path.read_bytes() for path in sorted(out.rglob("*"))
            if path.is_file() and path.name != ".cms-mirror"}


def test_every_link_and_image_from_index_html_resolves_on_disk(app, site, tmp_path):
    out = tmp_path / "mirror"
    summary = SUMMARY.match(build_mirror(app, out))
    assert summary is not None
    reached, problems = walk(out)
    assert problems == []
    files = files_of(out)
    assert int(summary["files"]) == len(files) and summary["written"] == summary["files"]
    html = {name for name in files if name.endswith(".html")}
    # Every page is reached from the home page; the only files nothing links to are those
    # that crawlers and browsers ask for by name.
    assert {path.relative_to(out).as_posix() for path in reached} == set(files) - {
        "favicon.ico", "apple-touch-icon.png", "sitemap.xml"}
    assert html >= {
        "index.html", "archive/index.html", "interviews/index.html", "search/index.html",
        "mirrors/index.html", f"articles/{site.slugs['lead']}/index.html",
        f"articles/{site.slugs['lead']}/comments-2.html",  # three approved comments, two a page
        f"interviews/{site.slugs['talk']}/index.html", f"campaigns/{site.slugs['campaign']}/index.html",
        f"campaigns/{site.slugs['campaign']}/page-2.html", "tags/censorship/index.html",
        "tags/censorship/page-2.html", "tags/azerbaijan/index.html"}
    assert {"feed.atom", f"campaigns/{site.slugs['campaign']}/feed.atom", "static/style.css",
            "static/favicon.svg", "apple-touch-icon.png", "mirrors.json",
            f"media/{site.public_image}"} <= set(files)
    # The links to the main site counted are the comment links: "Write a comment" under each of
    # the four pieces (twice under the lead, whose comments take two pages) and a reply to each
    # of its three approved comments.
    on_disk = [address for name in html for _, _, address in read(out / name).links
               if COMMENT_LINK.match(address)]
    assert int(summary["origin"]) == len(on_disk) == 8


def test_nothing_private_is_in_the_mirror(app, site, tmp_path):
    out = tmp_path / "mirror"
    build_mirror(app, out)
    files = files_of(out)
    found = [(name, word) for name, data in files.items() for word in PRIVATE if word.encode() in data]
    assert found == []
    assert not any(name.startswith(("desk", "moderation", "login", "account", "reset", "comments"))
                   for name in files)
    assert not any(site.private_image.split(".")[0] in name for name in files)
    assert f"articles/{site.slugs['draft']}/index.html" not in files
    assert all(read(out / name).forms == 0 for name in files if name.endswith(".html"))


def test_approved_comments_every_language_and_the_search_note_are_in(app, site, tmp_path):
    out = tmp_path / "mirror"
    build_mirror(app, out)
    lead = out / "articles" / site.slugs["lead"]
    first, second = (lead / "index.html").read_text(), (lead / "comments-2.html").read_text()
    assert "Approved comment 1." in first and "Approved comment 2." in first
    assert "Approved comment 3." in second and "Approved comment 1." not in second
    assert (f'<a class="button" href="{BASE}/comments/{site.ids["lead"]}/write" rel="nofollow">'
            "Write a comment on the main site</a>") in first
    months = "".join(path.read_text() for path in sorted((out / "archive").glob("*/*/*.html")))
    titles = ("Свобода слова в сети", "Bakıda söz azadlığı", "Why blocking fails", "Editors under blocking")
    for title in titles:
        assert title in months  # every language, in the archive's pages
    assert "Текст на русском." in (out / "articles" / site.slugs["russian"] / "index.html").read_text()
    assert 'lang="az"' in (out / "articles" / site.slugs["azeri"] / "index.html").read_text()
    search = (out / "search" / "index.html").read_text()
    assert "This copy of Campaign CMS cannot search." in search
    assert '<a href="../archive/index.html">archive</a>' in search
    assert '<li><a href="../tags/censorship/index.html">Censorship</a></li>' in search
    assert '<li><a href="../tags/azerbaijan/index.html">Azerbaijan</a></li>' in search


def test_links_are_relative_and_the_canonical_link_names_the_original(app, site, tmp_path):
    out = tmp_path / "mirror"
    build_mirror(app, out)
    page = (out / "articles" / site.slugs["lead"] / "index.html").read_text()
    assert f'<link rel="canonical" href="{BASE}/articles/{site.slugs["lead"]}">' in page
    # The writer's links: root-relative, relative and to another site.
    assert f'<a href="../{site.slugs["russian"]}/index.html">the Russian piece</a>' in page
    assert f'<a href="../{site.slugs["azeri"]}/index.html">the Azerbaijani one</a>' in page
    assert '<a href="https://example.net/report" rel="noopener noreferrer">a report</a>' in page
    assert re.search(r'<link rel="stylesheet" href="\.\./\.\./static/style\.css\?v=[0-9a-f]{12}">', page)
    stem = site.public_image.rsplit(".", 1)[0]
    assert (f'srcset="../../media/{stem}-480.jpg 480w, ../../media/{stem}-960.jpg 960w, '
            f'../../media/{site.public_image} 1200w"') in page
    feed = (out / "feed.atom").read_text()
    assert f'<link href="articles/{site.slugs["lead"]}/index.html"/>' in feed
    assert f"<id>{BASE}/articles/{site.slugs['lead']}</id>" in feed  # ids stay the original's
    assert f"<loc>{BASE}/articles/{site.slugs['lead']}</loc>" in (out / "sitemap.xml").read_text()


def test_a_second_build_rewrites_only_the_pages_that_show_the_changed_piece(app, site, tmp_path):
    out = tmp_path / "mirror"
    build_mirror(app, out)
    before = files_of(out)
    assert SUMMARY.match(build_mirror(app, out))["written"] == "0"  # nothing changed, nothing written
    with app.app_context():
        piece = db.session.get(Piece, site.ids["russian"])
        piece.title = "Renamed Russian piece"
        piece.updated_at = utcnow() + timedelta(minutes=1)  # an edit a minute after publishing
        db.session.commit()
    summary = SUMMARY.match(build_mirror(app, out))
    after = files_of(out)
    changed = {name for name in after if after[name] != before.get(name)}
    showing = {name for name, data in after.items() if b"Renamed Russian piece" in data}
    assert changed == showing | {"sitemap.xml"}  # its date of change is in the sitemap
    assert {f"articles/{site.slugs['russian']}/index.html", "feed.atom", "tags/censorship/page-2.html",
            f"campaigns/{site.slugs['campaign']}/feed.atom"} <= showing
    assert f"articles/{site.slugs['lead']}/index.html" not in changed
    assert int(summary["written"]) == len(changed) and summary["removed"] == "0"
    assert int(summary["unchanged"]) == len(after) - len(changed)


def test_a_piece_no_longer_public_leaves_the_mirror(app, site, tmp_path):
    out = tmp_path / "mirror"
    build_mirror(app, out)
    assert (out / "tags" / "azerbaijan" / "index.html").is_file()
    with app.app_context():
        for slug in (site.slugs["azeri"], site.slugs["lead"]):
            piece = db.session.scalar(select(Piece).where(Piece.slug == slug))
            unpublish(piece, piece.author)
    before = files_of(out)
    summary = SUMMARY.match(build_mirror(app, out))
    files = files_of(out)
    lead, azeri, stem = site.slugs["lead"], site.slugs["azeri"], site.public_image.rsplit(".", 1)[0]
    # Their pages, the lead's image in its three widths, the tag only they carried (in Azerbaijani
    # too, and the Azerbaijani contributor page the Azerbaijani piece led to), and the second
    # pages of the lists that are now one page long.
    assert set(before) - set(files) == {
        f"articles/{azeri}/index.html", f"articles/{lead}/index.html", f"articles/{lead}/comments-2.html",
        f"media/{stem}-480.jpg", f"media/{stem}-960.jpg", f"media/{site.public_image}",
        "tags/azerbaijan/index.html", "tags/censorship/page-2.html",
        f"campaigns/{site.slugs['campaign']}/page-2.html", "az/tags/azerbaijan/index.html",
        "az/contributors/wanda-writer/index.html", "contributors/wanda-writer/page-2.html",
        *(name for name in before if re.fullmatch(r"archive/\d{4}/\d{1,2}/page-2\.html", name))}
    assert set(files) <= set(before)
    assert not (out / "articles" / lead).exists()  # its folder is gone with its pages
    assert int(summary["removed"]) == 13
    assert walk(out)[1] == []


def test_zip_holds_the_mirror_in_one_folder_and_the_same_bytes_each_time(app, site, tmp_path):
    out, archive = tmp_path / "mirror", tmp_path / "site-copy.zip"
    output = build_mirror(app, out, "--zip", str(archive))
    files = files_of(out)
    assert f"archive {archive}: {len(files):,} files, {archive.stat().st_size:,} bytes\n" in output
    with zipfile.ZipFile(archive) as opened:
        assert opened.namelist() == [f"site-copy/{name}" for name in files]
        assert all(opened.read(f"site-copy/{name}") == data for name, data in files.items())
    first = archive.read_bytes()
    build_mirror(app, out, "--zip", str(archive))
    assert archive.read_bytes() == first


def test_a_folder_that_holds_something_else_is_refused(app, site, tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    result = app.test_cli_runner().invoke(args=["mirror", "build", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output == (f"Error: {tmp_path} is not empty and holds no mirror: give a new or "
                             "empty folder.\n")
    assert (tmp_path / "notes.txt").read_text() == "mine"
    inside = app.test_cli_runner().invoke(args=["mirror", "build", str(tmp_path / "m"), "--zip",
                                                str(tmp_path / "m" / "a.zip")])
    assert inside.output == (f"Error: {tmp_path / 'm' / 'a.zip'} is inside {tmp_path / 'm'}: put the "
                             "archive outside the mirror.\n")


@pytest.mark.config(CMS_BASE_URL=None)
def test_without_the_main_sites_address_there_is_no_mirror(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["mirror", "build", str(tmp_path / "m")])
    assert result.exit_code == 1
    assert result.output == ("Error: mirror build needs CMS_BASE_URL, the main site's address: canonical "
                             "links and the links to comment point there.\n")


@pytest.mark.config(**{**SETTINGS, "CMS_BASE_URL": "https://example.org/news"})
def test_a_main_site_below_a_path_keeps_its_path_in_canonical_and_comment_links(app, site, tmp_path):
    out = tmp_path / "mirror"
    build_mirror(app, out)
    page = (out / "articles" / site.slugs["lead"] / "index.html").read_text()
    assert f'<link rel="canonical" href="https://example.org/news/articles/{site.slugs["lead"]}">' in page
    assert f'href="https://example.org/news/comments/{site.ids["lead"]}/write"' in page
    assert f'<a href="../{site.slugs["russian"]}/index.html">the Russian piece</a>' in page
    assert walk(out)[1] == []
