"""`mirror build OUT`: the public site as static files with relative links, for mirrors on
other domains, onion services, USB sticks and offline archives.

Each page of `pages.PUBLIC_PAGES` is requested as an anonymous reader would (through the
app, so it shows exactly what readers see and nothing else), rendered for the mirror
(comment links to CMS_BASE_URL, no login link), its links made relative
(`rewrite.py`); the stylesheet, icons and images it shows are copied the same way. A file
is written only when its bytes differ from the copy already in OUT, and files of an earlier
build that are no longer part of the site are removed: a second build rewrites only what
changed. The search page is a note pointing to the archive and the tags.
"""

from __future__ import annotations

import contextvars
import os
import re
import zipfile
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter

from flask import Flask, g, render_template, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect
from werkzeug.security import safe_join

from cms.i18n import DEFAULT, UI_LANGUAGES, on_list
from cms.links import parse_base_url
from cms.mirror.pages import PUBLIC_PAGES, public_endpoints, public_tags
from cms.mirror.paths import file_for
from cms.mirror.rewrite import Rewriter
from cms.mirror.views import MIRROR_ENVIRON
from cms.pagecache import BYPASS_ENVIRON

MARKER = ".cms-mirror"
SEARCH = "/search"
# The search page of each list language too (/ru/search: the note, in Russian).
SEARCHES = {SEARCH: None, **{f"/{code}{SEARCH}": code for code in UI_LANGUAGES}}
REWRITTEN = {"text/html", "application/atom+xml"}
FORM = re.compile(r"<form[\s>]", re.IGNORECASE)
FILE_ENDPOINTS = {"static", "articles.media"}


class MirrorError(Exception):
    """A mirror that cannot be built; the message is meant for the person running the build."""


@dataclass
class Report:
    """What a build did."""

    files: int
    written: list[str]
    unchanged: int
    removed: list[str]
    skipped: list[str]
    origin_links: int
    seconds: float

    def summary(self) -> str:
        return (f"{self.files:,} files: {len(self.written):,} written, {self.unchanged:,} unchanged, "
                f"{len(self.removed):,} removed; {self.origin_links:,} links to the main site "
                f"(comment forms); {self.seconds:.1f} s")


def prepare(out: Path) -> None:
    """OUT as a mirror's folder: new, empty, or made by an earlier build (never another folder,
    whose files a build would remove)."""
    if out.exists() and not out.is_dir():
        raise MirrorError(f"{out} is a file: give the folder to build the mirror in.")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise MirrorError(f"{out} is not empty and holds no mirror: give a new or empty folder.")
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("Made by `flask --app cms mirror build`: the next build removes any "
                              "file here that is not part of the site.\n")


@dataclass
class Build:
    """One build of the mirror of `app` into `out`."""

    app: Flask
    out: Path
    files: dict[str, str] = field(default_factory=dict)  # file in OUT -> address it copies
    queue: deque[str] = field(default_factory=deque)
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)
    missing: set[str] = field(default_factory=set)  # files whose address answered no page

    def __post_init__(self) -> None:
        base = self.app.config.get("CMS_BASE_URL")
        if not base:
            raise MirrorError("mirror build needs CMS_BASE_URL, the main site's address: canonical "
                              "links and the links to comment point there.")
        scheme, netloc, _ = parse_base_url(base)
        self.host_url = f"{scheme}://{netloc}"
        self.adapter = self.app.url_map.bind(netloc, url_scheme=scheme)
        self.client = self.app.test_client()
        self.rewriter = Rewriter(base, self.resolve, self.follow)

    def run(self) -> Report:
        started = perf_counter()
        prepare(self.out)
        # Outside any app context (the CLI's included): each page is a request of its own, with
        # its own app context, database session and `g`, as on the server.
        contextvars.Context().run(self._fetch_all)
        removed = self._remove_others()
        return Report(len(self.files) - len(self.missing), self.written, self.unchanged, removed,
                      self.skipped, len(self.rewriter.origin_links), perf_counter() - started)

    def _fetch_all(self) -> None:
        with self.app.test_request_context(base_url=self.host_url):
            for pages in PUBLIC_PAGES:
                for values in pages.each():
                    self.plan(url_for(pages.endpoint, **values))
        for search in SEARCHES:
            self.plan(search)
        while self.queue:
            self._fetch(self.queue.popleft())

    def plan(self, address: str) -> str | None:
        """Put an address of the site into the mirror; its file there."""
        path, _, query = address.partition("?")
        file = file_for(path, query)
        if file is not None and file not in self.files:
            self.files[file] = address
            self.queue.append(file)
        return file

    def _endpoint(self, path: str) -> tuple[str, dict] | None:
        try:
            return self.adapter.match(path, method="GET")
        except (HTTPException, RequestRedirect):
            return None

    def resolve(self, path: str, query: str) -> str | None:
        """The file of the mirror that holds an address, if it does (a static file or image a
        page shows is put in when first linked)."""
        file = file_for(path, query)
        if file is None or file in self.files:
            return file
        found = self._endpoint(path)
        if found is None or found[0] not in FILE_ENDPOINTS:
            return None
        if found[0] == "static":
            on_disk = safe_join(self.app.static_folder or "static", found[1]["filename"])
            if on_disk is None or not os.path.isfile(on_disk):
                return None
        return self.plan(path)

    def follow(self, path: str, query: str) -> None:
        """A pager's link (a list's next page, a piece's next comments): a page of the mirror."""
        found = self._endpoint(path)
        if found is not None and found[0] in public_endpoints():
            self.plan(f"{path}?{query}" if query else path)

    def _fetch(self, file: str) -> None:
        address = self.files[file]
        if address in SEARCHES:
            body, mimetype = self._search_note(address).encode(), "text/html"
        else:
            response = self.client.get(address, base_url=self.host_url,
                                       environ_overrides={MIRROR_ENVIRON: True, BYPASS_ENVIRON: True})
            try:
                status, body, mimetype = response.status_code, response.get_data(), response.mimetype
            finally:
                response.close()
            if status != 200:  # gone since the build began (unpublished, say)
                self.skipped.append(f"{address} ({status})")
                self.missing.add(file)
                return
        if mimetype in REWRITTEN:
            text = body.decode("utf-8")
            if mimetype == "text/html" and FORM.search(text):
                raise MirrorError(f"{address} has a form, which a static copy cannot send.")
            body = self.rewriter.rewrite(text, file, address).encode("utf-8")
        self._store(file, body)

    def _search_note(self, address: str) -> str:
        with self.app.test_request_context(address, base_url=self.host_url,
                                           environ_overrides={MIRROR_ENVIRON: True}):
            language = SEARCHES[address]
            on_list(language)
            if language == DEFAULT:
                g.link_language = None  # the tags of the default language have no prefix (pages.py)
            return render_template("mirror/search.html", tags=public_tags(language))

    def _store(self, file: str, body: bytes) -> None:
        """Write the file unless the copy in OUT already has these bytes (rsync and caches then
        see it unchanged)."""
        path = self.out / file
        if path.is_file() and path.read_bytes() == body:
            self.unchanged += 1
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.part")
        partial.write_bytes(body)
        os.replace(partial, path)
        self.written.append(file)

    def _remove_others(self) -> list[str]:
        """Files of an earlier build that are no longer part of the site, and emptied folders."""
        kept = self.files.keys() - self.missing
        removed = []
        for path in sorted(self.out.rglob("*"), reverse=True):
            name = path.relative_to(self.out).as_posix()
            if path.is_file() and name != MARKER and name not in kept:
                path.unlink()
                removed.append(name)
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()
        return sorted(removed)


def build(app: Flask, out: Path) -> Report:
    """Build (or bring up to date) the mirror of `app` in `out`."""
    return Build(app, out).run()


def write_zip(out: Path, target: Path) -> int:
    """One archive of the mirror for offline copies, its files in a folder named like the
    archive; the same files give the same bytes. How many files it holds."""
    if target.resolve().is_relative_to(out.resolve()):
        raise MirrorError(f"{target} is inside {out}: put the archive outside the mirror.")
    files = sorted(path for path in out.rglob("*") if path.is_file() and path.name != MARKER)
    partial = target.with_name(f".{target.name}.part")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            info = zipfile.ZipInfo(f"{target.stem}/{path.relative_to(out).as_posix()}",
                                   date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())
    os.replace(partial, target)
    return len(files)
