"""Every route, every role, hostile paths, query strings, bodies and headers: never a 500.

The routes are read from `app.url_map`, the form fields from the forms in `cms/` and the query
keys from the views, so a route, a field or a key added later is covered without an edit here.
Each route gets a sweep of the inputs our issue found (a file in every field, digits that are
not ASCII, line breaks, non-characters, boundary numbers), then hypothesis's own choices. Each
answer is checked: a status below 500; HTML is one of our pages (or the plain 400 refusing a
host); a redirect stays on this site; a feed is XML, and after any change every feed still is.
The world (a user of each role logged in through the login page, pieces, a campaign, a comment)
is made once per module and copied into each test's fresh app; whatever a request writes is
undone before the next. Below the generated tests, the cases the issue found, one by one.
"""

from __future__ import annotations

import gzip
import inspect
import io
import itertools
import re
import shutil
import sqlite3
import tempfile
import traceback
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from PIL import Image as PILImage
from sqlalchemy import create_engine, select
from werkzeug.routing.converters import NumberConverter, PathConverter, UnicodeConverter
from werkzeug.test import EnvironBuilder, TestResponse, run_wsgi_app
from werkzeug.wrappers import Request
from wtforms import Form as WTForm
from wtforms.fields import FileField
from wtforms.fields.core import UnboundField

import cms
from cms import create_app, pagecache
from cms.accounts import services as accounts
from cms.accounts.models import Role
from cms.articles import services as pieces
from cms.articles.images import store_image
from cms.articles.models import Piece
from cms.campaigns import services as campaigns
from cms.comments import services as comments
from cms.config import normalize_database_url
from cms.database import utcnow
from cms.extensions import db
from cms.i18n import UI_LANGUAGES, UiLanguageConverter
from cms.interviews import services as interviews
from tests.comments.conftest import old_token
from tests.conftest import BACKEND, PASSWORD, _truncate_all, base_config, form_token

ROLES = ("anonymous", "writer", "moderator", "editor", "admin")
ACCOUNTS = {"writer": Role.WRITER, "moderator": Role.MODERATOR, "editor": Role.EDITOR, "admin": Role.ADMIN}
TRANSCRIPT = "Ann Ask (AA): Q?\n\nBo Be (BB): A."
UNTRUSTED_HOST = "This site does not answer to that host name.\n"
BASE = "http://news.example.org"
CMS = Path(cms.__file__).parent

SETTINGS = settings(
    max_examples=8, deadline=None, derandomize=True, database=None, print_blob=False,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],  # no "explain"
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large, HealthCheck.large_base_example],
)


# --- What the application offers: routes, form fields, query keys ------------------------------


def _routes_of(app: Flask) -> list[tuple[str, str]]:
    """(method, rule) of every route but the static files, GET and POST where allowed."""
    return sorted((method, rule.rule) for rule in app.url_map.iter_rules()
                  if rule.endpoint != "static" and not rule.endpoint.endswith(".static")
                  for method in sorted((rule.methods or set()) & {"GET", "POST"}))


def _route_table() -> list[tuple[str, str]]:
    with tempfile.TemporaryDirectory() as folder:
        return _routes_of(create_app({**base_config(Path(folder) / "instance", "sqlite://"),
                                      "CMS_BASE_URL": BASE}))


ROUTES = _route_table()
SLOT = re.compile(r"<(?:(?P<converter>\w+)(?:\((?P<args>[^)]*)\))?:)?(?P<name>\w+)>")


def _kind_of_slot(app: Flask, converter: str | None) -> str:
    """"int", "path" or "text": how a converter's value is made ("unknown" for one not known here)."""
    found = app.url_map.converters[converter or "default"]
    if issubclass(found, UiLanguageConverter):
        return "language"
    if issubclass(found, NumberConverter):
        return "int"
    if issubclass(found, PathConverter):
        return "path"
    if issubclass(found, UnicodeConverter):
        return "text"
    return "unknown"


def _names_read_from(part: str, source: str) -> set[str]:
    return set(re.findall(rf'request\.{part}\.(?:get|getlist)\(\s*"([^"]+)"', source))


def _all_sources() -> str:
    return "\n".join(path.read_text("utf-8") for path in sorted(CMS.rglob("*.py")))


def _form_fields() -> tuple[list[str], list[str]]:
    """(every field of every form in cms/ and every name a view reads from request.form, the
    file fields)."""
    names, files = set(), set()
    for path in sorted(CMS.rglob("forms.py")):
        module = __import__(".".join(("cms", *path.relative_to(CMS).with_suffix("").parts)), fromlist=["_"])
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, WTForm):
                for name in dir(value):
                    unbound = getattr(value, name, None)
                    if isinstance(unbound, UnboundField):
                        names.add(name)
                        if issubclass(unbound.field_class, FileField):
                            files.add(name)
    names |= _names_read_from("form", _all_sources())
    # Fields made per interview participant, and the session's CSRF token.
    names |= {"role_0", "role_1", "bio_0", "bio_1", "csrf_token", "form_token"}
    return sorted(names), sorted(files)


FIELD_NAMES, FILE_FIELDS = _form_fields()
QUERY_KEYS = sorted({"page", "q", "sort", "kind", "campaign", "tag", "year", "language", "status", "piece",
                     "comments", "next", "done"} | _names_read_from("args", _all_sources()))


def _endpoint_of(app: Flask, method: str, rule: str) -> str:
    return next(found.endpoint for found in app.url_map.iter_rules()
                if found.rule == rule and method in (found.methods or ()))


def _query_keys_of(app: Flask, endpoint: str) -> list[str]:
    """The query keys the module of a route's view reads (helpers included), and `page`."""
    module = inspect.getmodule(inspect.unwrap(app.view_functions[endpoint]))
    try:
        source = inspect.getsource(module) if module else ""
    except (OSError, TypeError):
        source = ""
    return sorted(_names_read_from("args", source) | {"page"})


# --- Hostile values ----------------------------------------------------------------------------

NONCHARACTERS = ["\ufffe", "\uffff", "\ufdd0", "\ufdef", "\U0001fffe", "\U0010ffff"]
FORBIDDEN_IN_XML = "\ufffe\uffff\ufdd0\U0001fffe\x01"
HEADER_INJECTION = "/desk/\r\nSet-Cookie: x=1"
# What the issue found, given more weight than the rest.
ISSUE_VALUES = ["١٢", "²", "-1", "1e9", str(10**30), "\r\n", HEADER_INJECTION, "\x00", *NONCHARACTERS[:4],
                "\u202e", "x" * 5000]
ISSUE_CHARS = ["\x00", "\x07", "\r\n", *NONCHARACTERS, "\u202e", "\u2066", "١", "²"]
HOSTILE = [
    "", " ", "a\x00b", "\x1b[31m", "\x7f", "\n", "\r", "\u2028", "\x85", "title\ufffe\uffff",
    "\u202e\u2066abc\u202c", "\u200f\u061c", "٣", "𝟗", "①", "١" * 12, "0", "1.5", "+1", " 1", "0x10", "nan",
    "<script>alert(1)</script>", "' OR 1=1 --", "]]>", "&#xfffe;", "&#0;", "{{ 7*7 }}", "%s%n", "%ff", "%",
    "../../etc/passwd", "//evil.example", "/\\evil.example", "https://evil.example", "javascript:alert(1)",
    "é" * 2500, "𝕏" * 1500, "\ufffe" * 1000, "a " * 2500, "1" * 5000, "title:(", "*", "a AND", '"',
    "[a TO", "year:99999999999", "NOT", "\t",
]
hostile_text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=30),
    st.builds(lambda a, b: a + b, st.sampled_from(HOSTILE + ISSUE_VALUES), st.text(max_size=8)),
)
INT_PROBES = ["0", "1", "12", "13", "9998", "9999", "10000", str(2**31 - 1), str(2**31), str(10**30), "007",
              "١٢", "²", "𝟗", "-1", "1e9"]
SWEPT_INTS = ["0", "13", "9999", "10000", str(2**31), str(10**30), "١٢", "²"]
QUERY_PROBES = ["١٢", "²", str(10**30), HEADER_INJECTION, "\x00\ufffe\uffff", "x" * 5000]
BOUNDARIES = ["1", "12", "13", "9999", "10000", str(2**31)]  # crossed when a route has two numbers
TEXT_PROBES = [*NONCHARACTERS, "\u202eabc", "\x00", "a" * 5000, "é" * 1000, "١٢", "..", "%", "\r\n"]
# Path segments sent as they are: percent-encoded bytes that are not UTF-8, or decode to
# characters no page has.
RAW_SEGMENTS = ["%ff", "%ff%fe", "%00", "%ef%bf%be", "%ef%bf%bf", "%ed%a0%80", "%e2%80%ae", "%c0%af",
                "%2e%2e%2f%2e%2e", "%25", "a%zzb", "%f4%8f%bf%bf", "%0d%0a", "%EF%B7%90", "%f0%9f%bf%be"]
RAW_QUERIES = ["page=%ff", "page=%", "next=%0d%0aSet-Cookie:x", "next=/%0d%0a", "q=%00", "%zz=1",
               "page=%EF%BC%91", "piece=%C2%B2", "page=%D9%A1%D9%A2", "q=%ef%bf%bf", "status=%ff",
               "page=1&page=2&page=%ff", "&&&", "=", "q"]
HOSTS = ["x" * 5000, "a" * 64 + ".example", "a b", "é.example", "ünïcödé.example".encode().decode("latin-1"),
         "[::1", "[::1]:99999", "127.0.0.1:99999", "localhost:", "localhost:abc", "localhost:-1", "",
         ".", "a..b", "xn--", "xn--zz.example", "user@evil.example", "evil.example/path", "localhost#x",
         "%00", "localhost\t", "news.example.org:99999", "news.example.org:", "NEWS.EXAMPLE.ORG",
         "news.example.org.", "news.example.org:443", "news.example.org.evil.example", "evil.example"]
ENCODINGS = ["GZIP", "gzip;q=0", "gzip;q=abc", "gzip;q=1e9", "x-gzip", "*", "*;q=0", "identity;q=0",
             "identity;q=0, *;q=0", "br, zstd", "", ",,,", "gzip;;", "deflate, gzip;q=0.5", "gzip" * 500]
ETAGS = ['"garbage', "*", "W/", 'W/"x", "y"', "x" * 5000, '"\xff\xfe"', ",", '"a",,,"b"', "\x00"]
DATES = ["garbage", "Thu, 01 Jan 1970 00:00:00 GMT", "Fri, 31 Dec 9999 23:59:59 GMT", "-1", "\xff"]
AGENTS = ["", "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0", "Edg/" * 2000, "Chrome/" + "(" * 3000,
          "\xff\xfe", "Safari/ iPhone Android Windows " * 200]
RANGES = ["bytes=0-0", "bytes=99999999999999999999-", "bytes=-", "garbage", "bytes=5-1"]
FILE_BYTES = [b"", b"writer@example.org", b"\x00\xff" * 10, b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,
              b"GIF89a" + b"\xff" * 30, "é\ufffe".encode(), b"x" * 5000]
FILE_NAMES = ["name.txt", "", "../../etc/passwd", "\u202etxt.png", "x" * 300 + ".png", "a.png", "a\x00.png"]
CONTENT_TYPES = ["application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=latin-1",
                 "multipart/form-data", "multipart/form-data; boundary=x", "multipart/form-data; boundary=",
                 "application/json", "text/plain", ""]
RAW_BODIES = [b"title=%ff%fe&body=%00&name=%ef%bf%bf", b'{"title": 1}', b"[1, 2]", b"a=1&a=2&" * 100,
              b'--x\r\nContent-Disposition: form-data; name="title"\r\n\r\n\xff\xfe\r\n--x--\r\n',
              b'--x\r\nContent-Disposition: form-data; name="body"; filename="a.txt"\r\n\r\nhi\r\n--x--\r\n']


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 90 else f"{text[:70]}…({len(text)} chars)"


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart body."""

    content: bytes = b"A file."
    filename: str = "file.txt"
    content_type: str | None = None

    def as_werkzeug(self) -> tuple[Any, ...]:
        if self.content_type is None:
            return (io.BytesIO(self.content), self.filename)
        return (io.BytesIO(self.content), self.filename, self.content_type)

    def __repr__(self) -> str:
        return f"Upload({_short(self.content)}, {_short(self.filename)}, {self.content_type!r})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # how hypothesis prints it
        printer.text(repr(self))


@dataclass
class Call:
    """One request: who sends it, where, and with what."""

    role: str
    method: str
    path: str
    query: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    body: str = "none"  # none, form, multipart, raw
    fields: list[tuple[str, Any]] = field(default_factory=list)
    raw: bytes = b""
    content_type: str = ""
    piece_id: int | None = None  # the piece whose comment form token the body carries

    def __repr__(self) -> str:
        parts = [f"{self.role} {self.method} {_short(self.path)}"]
        if self.query:
            parts.append(f"?{_short(self.query)}")
        parts += [f"{name}: {_short(value)}" for name, value in self.headers.items()]
        if self.body in {"form", "multipart"}:
            names_by_value: dict[str, list[str]] = {}
            for name, value in self.fields:  # fields with the same value are shown once
                names_by_value.setdefault(_short(value), []).append(name)
            parts.append(f"{self.body} " + ", ".join(
                f"{'/'.join(names)}={value}" for value, names in names_by_value.items()))
        elif self.body == "raw":
            parts.append(f"raw {self.content_type!r} {_short(self.raw)}")
        return "Call(" + " | ".join(parts) + ")"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))


# --- The world: users of each role logged in, pieces, a campaign, a comment ----------------------


def _png() -> io.BytesIO:
    out = io.BytesIO()
    PILImage.new("RGB", (8, 8), (20, 120, 200)).save(out, format="PNG")
    out.seek(0)
    return out


def _build_content(app: Flask) -> dict[str, Any]:
    """The users, a campaign, a published article (tagged, with an image and an approved comment),
    a published interview and a draft, made through the services; their ids and addresses."""
    with app.app_context():
        users = {role: accounts.create_user(f"{role}@example.org", f"{role.title()} User", kind, PASSWORD)
                 for role, kind in ACCOUNTS.items()}
        writer = users["writer"]
        campaign = campaigns.save_campaign(users["admin"], campaigns.CampaignData(title="Rights campaign"))
        when = utcnow() - timedelta(days=3)
        image = store_image(_png(), alt_text="A placard")
        article = pieces.create_piece(writer, pieces.PieceData(
            title="Rights article", body_source="Rights *matter*.", topics=["Digital rights"],
            campaign_id=campaign.id, image=image))
        pieces.publish(article, writer, when)
        interview = interviews.create_interview(writer, pieces.PieceData(title="An interview",
                                                                         body_source=TRANSCRIPT))
        pieces.publish(interview, writer, when)
        draft = pieces.create_piece(writer, pieces.PieceData(title="A draft"))
        comment = comments.post_comment(article, "Reader", "", "A first comment.")
        comments.moderate(users["moderator"], [comment.id], "approve")
        comments.set_blocked_words(users["admin"], "casino")
        ids = {
            "article": article.id, "interview": interview.id, "draft": draft.id,
            "campaign": campaign.id, "comment": comment.id, "year": when.year, "month": when.month,
            "slugs": [article.slug, interview.slug, draft.slug, campaign.slug, article.tags[0].slug],
            "image": image.filename,
        }
        db.session.remove()
        return ids


def log_in(app: Flask, email: str, base_url: str) -> FlaskClient:
    """Through the login page, with its form token, as a browser does."""
    client = app.test_client()
    page = client.get("/login", base_url=base_url).get_data(as_text=True)
    response = client.post("/login", base_url=base_url, data={
        "email": email, "password": PASSWORD, "form_token": form_token(page)})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def _copy_database(source: str, target: str) -> None:
    """SQLite's backup: a whole, consistent copy whatever the journal (WAL) holds."""
    with sqlite3.connect(source) as old, sqlite3.connect(target) as new:
        old.backup(new)
    old.close()
    new.close()


def _database_file(app: Flask) -> str:
    return app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")


def _close_connections(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


class SavedRows(Protocol):
    """The world's database as it was made: what tells that a request wrote, and the undo."""

    def state(self) -> Any:
        """A value that changes whenever anything is written to the database."""
        ...

    def put_back(self) -> None:
        """Every row (and id sequence) as the world was made."""
        ...

    def close(self) -> None: ...


class SqliteRows:
    """The world's file, copied back over the test's; SQLite's data_version moves when another
    connection commits."""

    def __init__(self, world_file: str, test_file: str) -> None:
        self.world_file, self.test_file = world_file, test_file
        self.watch = sqlite3.connect(test_file)

    def state(self) -> int:
        return int(self.watch.execute("PRAGMA data_version").fetchone()[0])

    def put_back(self) -> None:
        _copy_database(self.world_file, self.test_file)

    def close(self) -> None:
        self.watch.close()


class PostgresRows:
    """The world's rows kept in a schema of their own and put back in one transaction (a TRUNCATE,
    an INSERT a table, the sequences set): far cheaper than making the world again. The next
    transaction id moves whenever any transaction writes, so it tells when a request did."""

    SCHEMA = "every_route_world"

    def __init__(self, url: str) -> None:
        self.engine = create_engine(normalize_database_url(url))
        tables = [table.name for table in db.metadata.sorted_tables]
        with self.engine.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {self.SCHEMA} CASCADE")
            conn.exec_driver_sql(f"CREATE SCHEMA {self.SCHEMA}")
            for name in tables:
                conn.exec_driver_sql(f"CREATE TABLE {self.SCHEMA}.{name} AS TABLE public.{name}")
            sequences = conn.exec_driver_sql(
                "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename), last_value"
                " FROM pg_sequences WHERE schemaname = 'public'").all()
        setvals = [f"SELECT setval('{name}', {value or 1}, {'true' if value else 'false'})"
                   for name, value in sequences]
        self.sql = ";\n".join([f"TRUNCATE {', '.join(tables)}",
                               *[f"INSERT INTO {name} SELECT * FROM {self.SCHEMA}.{name}" for name in tables],
                               *setvals])

    def state(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.exec_driver_sql("SELECT pg_snapshot_xmax(pg_current_snapshot())").scalar_one())

    def put_back(self) -> None:
        with self.engine.begin() as conn:
            conn.exec_driver_sql(self.sql)  # one round trip

    def close(self) -> None:
        with self.engine.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {self.SCHEMA} CASCADE")
        self.engine.dispose()


@dataclass(repr=False)
class World:
    app: Flask
    ids: dict[str, Any]
    base_url: str
    cookies: dict[str, str] = field(default_factory=dict)
    feeds: list[str] = field(default_factory=list)
    saved: SavedRows | None = None
    strategies: dict[tuple[str, str], Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"World({self.base_url}, {self.ids})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).hostname or "localhost"

    def ints(self, slot: str) -> list[int]:
        """Real values for an int slot, those that fit its name first."""
        by_name = {"piece_id": ["article", "interview", "draft"], "comment_id": ["comment"],
                   "campaign_id": ["campaign"], "year": ["year"], "month": ["month"]}
        return [self.ids[key] for key in by_name.get(slot, ["article", "comment", "campaign"])]

    def valid_form(self) -> dict[str, str]:
        """Values the forms of the site accept, so that a hostile one gets past the others."""
        known = {
            "title": "A saved title", "language": "en", "body_source": TRANSCRIPT, "name": "Reader",
            "email": "writer@example.org", "password": PASSWORD, "body": "A reader's comment.",
            "words": "casino\nlottery", "publish_at": "", "action": "save", "comments_open": "y",
            "campaign_id": str(self.ids["campaign"]), "reply_to": "", "website": "", "open": "1",
            "ids": str(self.ids["comment"]), "role_0": "interviewer", "role_1": "interviewee",
            "display_name": "A Name", "current": PASSWORD, "new": "a new passphrase of some length",
            "repeat": "a new passphrase of some length", "form_token": "{form_token}",
        }
        return {name: value for name, value in known.items() if name in FIELD_NAMES}

    def client(self, role: str) -> FlaskClient:
        client = self.app.test_client()
        if role in self.cookies:
            client.set_cookie(self.app.config["SESSION_COOKIE_NAME"], self.cookies[role], domain=self.host)
        return client

    def generation(self) -> str:
        with self.app.app_context():
            return pagecache.current_generation()

    def log_everyone_in(self) -> None:
        """A session per role, through the login page; its cookie goes with each request."""
        for role in ACCOUNTS:
            client = log_in(self.app, f"{role}@example.org", self.base_url)
            cookie = client.get_cookie(self.app.config["SESSION_COOKIE_NAME"], domain=self.host)
            assert cookie is not None
            self.cookies[role] = cookie.value

    def database_state(self) -> Any:
        """Changes when anything is written to the database."""
        assert self.saved is not None
        return self.saved.state()

    def find_feeds(self) -> None:
        """The Atom feeds of the site (every .atom route, its slot filled with each real slug)."""
        client = self.app.test_client()
        paths = [SLOT.sub(slug, rule) for method, rule in ROUTES if method == "GET" and rule.endswith(".atom")
                 for slug in (self.ids["slugs"] if SLOT.search(rule) else [""])]
        self.feeds = [path for path in paths if client.get(path, base_url=self.base_url).status_code == 200]
        assert self.feeds, "no feed found"

    def restore(self, public_pages_changed: bool) -> None:
        """The database as the world was made (a POST may have deleted or changed anything); the
        logins stay valid (their session rows come back too)."""
        assert self.saved is not None
        _close_connections(self.app)
        self.saved.put_back()
        if public_pages_changed:
            with self.app.app_context():
                pagecache.bump_generation()


@dataclass
class Template:
    instance: Path
    ids: dict[str, Any]
    cookies: dict[str, str]
    feeds: list[str]
    database: str  # SQLite: the world's file; PostgreSQL: the test database, the rows in `rows`
    rows: PostgresRows | None = None


@pytest.fixture(scope="module")
def world_template(tmp_path_factory: pytest.TempPathFactory, migrated_database: str) -> Iterator[Template]:
    """The world, made once per module (its rows, uploads and search index) and put into each
    test's fresh app; the logins stay valid (same secret key, same session rows)."""
    folder = tmp_path_factory.mktemp("world")
    if BACKEND == "postgres":
        url = migrated_database
    else:
        shutil.copyfile(migrated_database.removeprefix("sqlite:///"), folder / "world.sqlite3")
        url = f"sqlite:///{folder / 'world.sqlite3'}"
    app = create_app(base_config(folder / "instance", url))
    if BACKEND == "postgres":
        _truncate_all(app)  # ids from 1, as on a fresh database
    made = World(app, _build_content(app), "http://localhost")
    made.log_everyone_in()
    made.find_feeds()
    _close_connections(app)
    rows = PostgresRows(url) if BACKEND == "postgres" else None
    yield Template(folder / "instance", made.ids, made.cookies, made.feeds, _database_file(app), rows)
    if rows is not None:
        rows.close()


@pytest.fixture
def world(app: Flask, world_template: Template) -> Iterator[World]:
    base_url = app.config.get("CMS_BASE_URL") or "http://localhost"
    saved: SavedRows
    if world_template.rows is not None:
        saved = world_template.rows
    else:
        saved = SqliteRows(world_template.database, _database_file(app))
    made = World(app, dict(world_template.ids), base_url, dict(world_template.cookies),
                 list(world_template.feeds), saved)
    made.restore(public_pages_changed=False)
    shutil.copytree(world_template.instance, app.instance_path, dirs_exist_ok=True)
    with app.app_context():
        pagecache.bump_generation()
    yield made
    if isinstance(saved, SqliteRows):
        saved.close()


# --- Requests, drawn -----------------------------------------------------------------------------


def _real_slot_values(world: World, kind: str, name: str) -> list[str]:
    if kind == "int":
        return [str(value) for value in world.ints(name)]
    if kind == "path":
        return [world.ids["image"], "no-such-file.png", "../cms.sqlite3"]
    if kind == "language":
        return list(UI_LANGUAGES)
    return list(world.ids["slugs"])


def _encode_slot(kind: str, value: str) -> str:
    return quote(value, safe="/" if kind == "path" else "")


def _slot_values(world: World, kind: str, name: str) -> st.SearchStrategy[str]:
    """A path segment: a real id or address, or something odd, encoded as a browser would (or not)."""
    real = st.sampled_from(_real_slot_values(world, kind, name))
    marked = st.builds(lambda a, b: a + b, real, st.sampled_from(ISSUE_CHARS))
    odd = st.sampled_from(INT_PROBES) if kind == "int" else st.one_of(
        hostile_text, st.sampled_from(ISSUE_VALUES), marked)
    encoded = odd.map(lambda value: _encode_slot(kind, value))
    return st.one_of(real, real, encoded, st.sampled_from(RAW_SEGMENTS))


def _fill(rule: str, values: list[str]) -> tuple[str, int | None]:
    """(the path, the piece id in it if it names one)."""
    path, last, piece_id = "", 0, None
    for match, value in zip(SLOT.finditer(rule), values, strict=True):
        path += rule[last:match.start()] + value
        last = match.end()
        if match["name"] == "piece_id" and value.isascii() and value.isdigit():
            piece_id = int(value)
    return path + rule[last:], piece_id


def _paths(app: Flask, world: World, rule: str) -> st.SearchStrategy[tuple[str, int | None]]:
    slots = [_slot_values(world, _kind_of_slot(app, m["converter"]), m["name"]) for m in SLOT.finditer(rule)]
    return st.tuples(*slots).map(lambda values: _fill(rule, list(values)))


def _values(real: list[str]) -> st.SearchStrategy[str]:
    """A real value, one the issue found, a real one with such a character in it, or anything."""
    mutated = st.builds(lambda value, char, front: char + value if front else value + char,
                        st.sampled_from(real), st.sampled_from(ISSUE_CHARS), st.booleans())
    return st.one_of(st.sampled_from(real), st.sampled_from(ISSUE_VALUES), mutated, hostile_text)


def _query_values(world: World) -> list[str]:
    return [str(world.ids["article"]), str(world.ids["comment"]), str(world.ids["year"]), "2", "approved",
            "pending", "spam", "deleted", "date", "relevance", "article", "interview", "logout", "/desk/",
            "rights", "en", *world.ids["slugs"]]


def _queries(world: World, keys: list[str]) -> st.SearchStrategy[str]:
    key = st.one_of(st.sampled_from(keys), st.sampled_from(QUERY_KEYS), hostile_text)
    encoded = st.lists(st.tuples(key, _values(_query_values(world))), max_size=4).map(
        lambda pairs: "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs))
    return st.one_of(encoded, st.sampled_from(RAW_QUERIES))


def _headers(world: World, always_host: bool = False) -> st.SearchStrategy[dict[str, str]]:
    hosts = st.sampled_from([*HOSTS, world.host, f"{world.host}:80"])
    optional = {"Accept-Encoding": st.sampled_from(ENCODINGS), "If-None-Match": st.sampled_from(ETAGS),
                "If-Modified-Since": st.sampled_from(DATES), "Range": st.sampled_from(RANGES),
                "User-Agent": st.sampled_from(AGENTS)}
    if always_host:
        return st.fixed_dictionaries({"Host": hosts}, optional=optional)
    return st.fixed_dictionaries({}, optional={"Host": hosts, **optional})


uploads = st.builds(Upload, st.sampled_from(FILE_BYTES), st.sampled_from(FILE_NAMES),
                    st.sampled_from([None, "text/plain", "image/png", "application/octet-stream", "\xff/x"]))


def _form(world: World, multipart: bool) -> st.SearchStrategy[list[tuple[str, Any]]]:
    """Each field of a valid form kept, made hostile, left out or (multipart) sent as a file; the
    file fields sent as text; a few fields from any form of the site."""

    samples = st.sampled_from(ISSUE_VALUES + HOSTILE)

    def one(name: str, value: str) -> st.SearchStrategy[tuple[str, Any]]:
        marked = st.sampled_from(ISSUE_CHARS).map(lambda char, value=value: value + char)
        choices: list[st.SearchStrategy[Any]] = [st.just(value), st.just(value), samples, marked, st.none()]
        if multipart:
            choices.append(uploads)
        return st.one_of(*choices).map(lambda chosen, name=name: (name, chosen))

    valid = st.tuples(*[one(name, value) for name, value in world.valid_form().items()])
    anything = st.one_of(_values(["A value"]), uploads) if multipart else _values(["A value"])
    extra = st.lists(st.tuples(st.one_of(st.sampled_from(FIELD_NAMES), hostile_text), anything), max_size=3)
    file_field = st.sampled_from(FILE_FIELDS or ["image"])
    text_in_file = st.lists(st.tuples(file_field, st.one_of(uploads, anything)), max_size=1)
    return st.tuples(valid, extra, text_in_file).map(
        lambda parts: [(k, v) for k, v in parts[0] if v is not None] + parts[1] + parts[2])


def calls(app: Flask, world: World, method: str, rule: str,
          always_host: bool = False) -> st.SearchStrategy[Call]:
    """Requests to one route; the parts are made once (making them for each example is slow)."""
    endpoint = _endpoint_of(app, method, rule)
    paths = _paths(app, world, rule)
    roles = st.sampled_from(ROLES)
    queries = st.one_of(st.just(""), _queries(world, _query_keys_of(app, endpoint)))
    headers = _headers(world, always_host)
    bodies = st.sampled_from(["multipart", "form", "raw", "none"])
    forms = {"form": _form(world, False), "multipart": _form(world, True)}
    content_types = st.sampled_from(CONTENT_TYPES)
    raw_bodies = st.one_of(st.sampled_from(RAW_BODIES), st.binary(max_size=200))

    @st.composite
    def one(draw: st.DrawFn) -> Call:
        path, piece_id = draw(paths, label="path")
        call = Call(role=draw(roles), method=method, path=path, piece_id=piece_id, query=draw(queries),
                    headers=draw(headers))
        if method == "POST":
            call.body = draw(bodies)
            if call.body == "raw":
                call.content_type, call.raw = draw(content_types), draw(raw_bodies)
            elif call.body in forms:
                call.fields = draw(forms[call.body])
        return call

    return one()


# --- Sending a request and checking the answer -------------------------------------------------


def _body_text(response: TestResponse) -> tuple[bytes, str]:
    data = response.get_data()
    if response.headers.get("Content-Encoding", "").lower() == "gzip":
        data = gzip.decompress(data)
    return data, data.decode("utf-8", "replace")


def check_answer(world: World, what: Any, response: TestResponse) -> None:
    """Below 500; our page, the plain host refusal, a redirect on this site or a well-formed feed."""
    status = response.status_code
    data, text = _body_text(response)
    assert status < 500, f"{what} -> {status}\n{text[:2000]}"
    if 300 <= status < 400 and status != 304:
        location = urlsplit(response.headers.get("Location", ""))
        assert location.netloc in {"", world.host}, f"{what} -> redirect to {location.geturl()!r}"
    elif response.mimetype == "text/html":
        ours = "<!doctype html>" in text and '<header class="site">' in text
        assert ours, f"{what} -> {status}\n{text[:500]}"
    elif response.mimetype == "text/plain" and status == 400:
        assert text == UNTRUSTED_HOST, f"{what} -> {text[:500]!r}"
    elif response.mimetype == "application/atom+xml" and status == 200:
        ET.fromstring(data)


def send(world: World, call: Call) -> TestResponse:
    """The request, straight to the WSGI app as a server would pass it. (The test client would
    then work out the address for its cookie jar, and fails on hosts such as "xn--" that the
    app itself answers.)"""
    headers = dict(call.headers)
    if call.role in world.cookies:
        headers["Cookie"] = f"{world.app.config['SESSION_COOKIE_NAME']}={world.cookies[call.role]}"
    options: dict[str, Any] = {"method": call.method, "headers": headers, "base_url": world.base_url,
                               "query_string": call.query or None,
                               "environ_base": {"REMOTE_ADDR": "127.0.0.1"}}
    if call.body in {"form", "multipart"}:
        token = "not a token"
        if call.piece_id is not None and call.piece_id < 2**31:
            token = old_token(world.app, call.piece_id)
        data: dict[str, list[Any]] = {}
        for name, value in call.fields:
            value = value.as_werkzeug() if isinstance(value, Upload) else value
            data.setdefault(name, []).append(token if value == "{form_token}" else value)
        options["data"] = data
        if call.body == "multipart":
            options["content_type"] = "multipart/form-data"
    elif call.body == "raw":
        options["data"] = call.raw
        options["content_type"] = call.content_type
    builder = EnvironBuilder(call.path, **options)
    try:
        environ = builder.get_environ()
    finally:
        builder.close()
    # Buffered: read whole and closed (static and media files stream from an open file).
    body, status, response_headers = run_wsgi_app(world.app, environ, buffered=True)
    return TestResponse(body, status, response_headers, request=Request(environ))


def feeds_stay_well_formed(world: World, after: Any) -> None:
    """Every Atom feed of the world, as an anonymous reader gets it, still parses as XML."""
    for path in world.feeds:
        response = world.app.test_client().get(path, base_url=world.base_url)
        if response.status_code == 200:
            try:
                ET.fromstring(response.get_data())
            except ET.ParseError as exc:
                raise AssertionError(f"after {after}: {path} is no longer XML: {exc}") from exc


def exercise(world: World, call: Call) -> TestResponse:
    """Send, check the answer and, when public pages changed, the feeds; then undo any change."""
    before, written = world.generation(), world.database_state()
    changed = False
    try:
        response = send(world, call)
        check_answer(world, call, response)
        changed = world.generation() != before
        if changed:
            feeds_stay_well_formed(world, call)
        return response
    finally:
        if changed or world.database_state() != written:
            world.restore(changed or world.generation() != before)


# --- The sweep: the inputs the issue found, at every route ---------------------------------------


def _where(exc: BaseException) -> str:
    """Where in cms/ and its templates an exception comes from (the innermost frames)."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if f.filename.startswith(str(CMS)) or "/templates/" in f.filename]
    shown = ours[-3:] or frames[-1:]
    root = f"{CMS.parent}/"
    return " < ".join(f"{f.filename.removeprefix(root)}:{f.lineno}" for f in reversed(shown))


def _refused(response: TestResponse) -> bool:
    """The role may not use the route at all: nothing more to learn from it there."""
    location = response.headers.get("Location", "")
    redirected = 300 <= response.status_code < 400
    return response.status_code in {401, 403, 405} or (redirected and "/login" in location)


class Sweep:
    """Explicit requests for one route; each failure is kept, with its call, cause and place."""

    def __init__(self, app: Flask, world: World, method: str, rule: str) -> None:
        self.app, self.world, self.method, self.rule = app, world, method, rule
        self.slots = [(m["name"], _kind_of_slot(app, m["converter"])) for m in SLOT.finditer(rule)]
        self.real = [_encode_slot(kind, _real_slot_values(world, kind, name)[0]) for name, kind in self.slots]
        endpoint = _endpoint_of(app, method, rule)
        self.keys = _query_keys_of(app, endpoint)
        self.failures: list[str] = []

    def send(self, call: Call) -> TestResponse | None:
        try:
            return exercise(self.world, call)
        except Exception as exc:  # every failure is reported, and the sweep goes on
            self.failures.append(f"{call!r}: {type(exc).__name__}: {str(exc)[:300]} at {_where(exc)}")
            return None

    def call(self, role: str, values: list[str] | None = None, query: dict[str, str] | None = None,
             **body: Any) -> Call:
        path, piece_id = _fill(self.rule, values or self.real)
        encoded = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in (query or {}).items())
        return Call(role, self.method, path, query=encoded, piece_id=piece_id, **body)

    def run(self) -> list[str]:
        if self.method == "POST":
            self.post()
        else:
            self.get()
        return self.failures

    def get(self) -> None:
        roles = [role for role in ("anonymous", "admin")
                 if (answer := self.send(self.call(role))) is None or not _refused(answer)]
        for role in roles:
            for value in QUERY_PROBES:
                self.send(self.call(role, query=dict.fromkeys(self.keys, value)))
        role = roles[0] if roles else "anonymous"
        for index, (_, kind) in enumerate(self.slots):
            for value in SWEPT_INTS if kind == "int" else TEXT_PROBES:
                values = list(self.real)
                values[index] = _encode_slot(kind, value)
                self.send(self.call(role, values))
        numbers = [index for index, (_, kind) in enumerate(self.slots) if kind == "int"]
        if len(numbers) > 1:  # a pair that cannot exist together (the month after December 9999)
            for pair in itertools.product(BOUNDARIES, repeat=len(numbers)):
                values = list(self.real)
                for index, value in zip(numbers, pair, strict=True):
                    values[index] = value
                self.send(self.call(role, values))

    def post(self) -> None:
        valid = self.world.valid_form()
        files = [(name, Upload()) for name in FIELD_NAMES if name not in {"form_token", "csrf_token"}]
        tokens = [(name, value) for name, value in valid.items() if name == "form_token"]
        allowed = []
        for role in ROLES:  # a file in every field, from each role; the rest from the first allowed
            answer = self.send(self.call(role, body="multipart", fields=files + tokens))
            if answer is None or not _refused(answer):  # None: it failed, so it got somewhere
                allowed.append(role)
        for role in allowed[:1]:
            forbidden = [(k, v if k == "form_token" else v + FORBIDDEN_IN_XML) for k, v in valid.items()]
            self.send(self.call(role, body="form", fields=forbidden))
            fields = [(k, "²" if v.isascii() and v.isdigit() else v) for k, v in valid.items()]
            self.send(self.call(role, query=dict.fromkeys(self.keys, "١٢"), body="form", fields=fields))
            self.send(self.call(role, query=dict.fromkeys(self.keys, HEADER_INJECTION), body="form",
                                fields=list(valid.items())))


# --- The generated tests -------------------------------------------------------------------------


def test_every_route_is_exercised_and_every_slot_is_understood(app):
    """The table of routes is the app's; each converter is one this module knows how to fill."""
    assert ROUTES == _routes_of(app)
    unknown = [(rule, m["converter"]) for _, rule in ROUTES for m in SLOT.finditer(rule)
               if _kind_of_slot(app, m["converter"]) == "unknown"]
    assert unknown == [], "teach _real_slot_values and _slot_values how to fill these converters"
    text_fields = {"title", "body", "email", "name", "words", "password", "publish_at", "reply_to"}
    assert text_fields <= set(FIELD_NAMES)
    assert "image" in FILE_FIELDS
    assert {"next", "piece", "page", "q"} <= set(QUERY_KEYS)


@pytest.mark.parametrize(("method", "rule"), ROUTES, ids=[f"{m} {r}" for m, r in ROUTES])
def test_no_input_to_any_route_is_a_server_error(app, world, monkeypatch, method, rule):
    """The sweep, then hypothesis; a failure of either is reported with the request that made it.

    A POST does not update the search index here: a failed update is logged, never a 500
    (the search route reads the index the world was made with)."""
    if method == "POST":
        monkeypatch.setattr("cms.search.services.update_index", lambda *args, **kwargs: True)
    failures = Sweep(app, world, method, rule).run()

    @SETTINGS
    @given(call=calls(app, world, method, rule))
    def fuzz(call: Call) -> None:
        exercise(world, call)

    try:
        fuzz()
    except BaseException as exc:
        for failure in failures:
            exc.add_note(f"The sweep failed too: {failure}")
        raise
    assert not failures, "\n".join(failures)


@pytest.mark.config(CMS_BASE_URL=BASE)
@settings(SETTINGS, max_examples=25)
@given(data=st.data())
def test_with_a_base_url_any_host_gets_a_page_or_the_plain_400(app, world, data):
    """As served (CMS_BASE_URL set): other hosts get the plain 400, odd spellings of ours no 500."""
    method, rule = data.draw(st.sampled_from(ROUTES), label="route")
    if (method, rule) not in world.strategies:
        world.strategies[method, rule] = calls(app, world, method, rule, always_host=True)
    exercise(world, data.draw(world.strategies[method, rule], label="request"))


XML_EDGES = [*NONCHARACTERS, *"\x01\x0b\x1f\x7f\u202e\ud7ff\ue000"]
any_text = st.text(alphabet=st.one_of(st.sampled_from(XML_EDGES), st.characters(codec="utf-8")), max_size=20)
# One such character at least.
xml_hostile = st.builds(lambda before, edge, after: before + edge + after,
                        any_text, st.sampled_from(XML_EDGES), any_text)


@settings(SETTINGS, max_examples=10)
@given(title=xml_hostile, body=xml_hostile, standfirst=xml_hostile, topics=xml_hostile, campaign=xml_hostile)
def test_whatever_is_saved_every_feed_stays_well_formed(world, title, body, standfirst, topics, campaign):
    """Text saved through the desk (a published article, its campaign) never breaks a feed."""
    ids = world.ids
    piece = Call("writer", "POST", f"/desk/{ids['article']}/edit", body="form", fields=[
        ("title", f"T {title}"), ("body_source", body), ("standfirst", standfirst), ("topics", topics),
        ("language", "en"), ("campaign_id", str(ids["campaign"])), ("comments_open", "y")])
    named = Call("admin", "POST", f"/desk/campaigns/{ids['campaign']}/edit", body="form",
                 fields=[("title", f"C {campaign}"), ("description", campaign)])
    before = world.generation()
    try:
        for call in (piece, named):
            check_answer(world, call, send(world, call))
        feeds_stay_well_formed(world, [piece, named])
    finally:
        world.restore(world.generation() != before)


# --- The feeds after a title full of characters XML forbids ---------------------------------------


def test_a_title_and_body_with_characters_xml_forbids_leave_every_feed_well_formed(app, world):
    writer = world.client("writer")
    response = writer.post("/desk/new", base_url=world.base_url, data={
        "title": "Rights\ufffe \uffffof\ufdd0 the\U0001fffe\x01 reader",
        "language": "en", "campaign_id": str(world.ids["campaign"]),
        "body_source": f"A body{FORBIDDEN_IN_XML} with them.\n\nAnd {FORBIDDEN_IN_XML} more.",
    })
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    piece_id = int(re.search(r"/desk/(\d+)/", response.headers["Location"]).group(1))
    published = writer.post(f"/desk/{piece_id}/publish", base_url=world.base_url, data={"publish_at": ""})
    assert published.status_code == 302
    with app.app_context():
        piece = db.session.get(Piece, piece_id)
        assert piece.title == "Rights of the reader"
        for text in (piece.title, piece.body_source, piece.body_html):
            assert not any(char in text for char in FORBIDDEN_IN_XML), repr(text)
        campaign_slug = piece.campaign.slug
    for path in ("/feed.atom", f"/campaigns/{campaign_slug}/feed.atom"):
        feed = app.test_client().get(path, base_url=world.base_url)
        assert feed.status_code == 200
        root = ET.fromstring(feed.get_data())
        titles = [t.text for t in root.iter("{http://www.w3.org/2005/Atom}title")]
        assert "Rights of the reader" in titles, (path, titles)
    feeds_stay_well_formed(world, "the publish")


# --- The cases our issue found, one by one -----------------------------------------------------


def _file(text: str = "a file", name: str = "name.txt") -> tuple[io.BytesIO, str]:
    return (io.BytesIO(text.encode()), name)


def _post(world: World, role: str, path: str, data: dict[str, Any]) -> TestResponse:
    return world.client(role).post(path, base_url=world.base_url, data=data,
                                   content_type="multipart/form-data")


@pytest.mark.parametrize("field_name", ["email", "password"])
def test_a_file_in_a_login_field_is_a_form_error(world, field_name):
    page = world.app.test_client().get("/login", base_url=world.base_url).get_data(as_text=True)
    data = {"email": "writer@example.org", "password": PASSWORD, "form_token": form_token(page)}
    data[field_name] = _file(data[field_name])
    response = _post(world, "anonymous", "/login", data)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "<h1>Log in</h1>" in text and "This field is required." in text
    assert world.app.config["SESSION_COOKIE_NAME"] not in response.headers.get("Set-Cookie", "")


def test_a_file_in_the_comment_body_is_a_form_error(app, world):
    article = world.ids["article"]
    response = _post(world, "anonymous", f"/comments/{article}", {
        "name": "Reader", "email": "", "body": _file("A comment in a file."), "reply_to": "",
        "website": "", "form_token": old_token(app, article)})
    assert response.status_code == 400
    assert "The comment is empty." in response.get_data(as_text=True)


def test_a_file_in_the_desk_title_is_a_form_error(app, world):
    response = _post(world, "writer", "/desk/new", {"title": _file("A title"), "language": "en",
                                                    "body_source": "Text."})
    assert response.status_code == 200
    assert "This field is required." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Piece).where(Piece.title == "A title")) is None


def test_a_file_in_the_blocked_words_is_a_form_error_and_keeps_the_words(app, world):
    response = _post(world, "admin", "/moderation/blocked-words", {"words": _file("poker")})
    with app.app_context():
        kept = comments.blocked_words()
    assert (response.status_code, kept) == (200, ["casino"]), "a file is no list of words: nothing is saved"
    assert '<header class="site">' in response.get_data(as_text=True)


NUMBER_CASES = [
    # (role, method, path, form, status): digits that are not ASCII where a number is read.
    ("moderator", "GET", "/moderation/comments?piece=²", None, 200),
    ("moderator", "GET", "/moderation/comments?page=١٢", None, 200),
    ("moderator", "GET", "/moderation/comments?piece=١٢&page=²", None, 200),
    ("moderator", "POST", "/moderation/comments", {"ids": "²", "action": "approve", "piece": "١٢"}, 302),
    ("moderator", "POST", "/moderation/comments", {"one": "approve:١٢"}, 302),
    ("anonymous", "GET", "/?page=١٢", None, 200),
    ("anonymous", "GET", "/search?q=rights&page=١٢", None, 200),
    ("anonymous", "GET", "/search?q=rights&page=" + "9" * 30, None, 200),
    ("anonymous", "GET", "/articles/{slug}?comments=²", None, 200),
    ("anonymous", "GET", "/comments/١٢/write", None, 404),
    ("writer", "POST", "/desk/{draft}/publish", {"publish_at": "١٢٣٤-٠١-٠١T00:00"}, 400),  # the form back
    ("writer", "POST", "/desk/new", {"title": "T", "language": "en", "campaign_id": "²"}, 200),
]


@pytest.mark.parametrize(("role", "method", "path", "form", "status"), NUMBER_CASES,
                         ids=[f"{c[1]} {c[2]} {c[3] or ''}" for c in NUMBER_CASES])
def test_digits_that_are_not_ascii_are_no_number(world, role, method, path, form, status):
    path = path.format(slug=world.ids["slugs"][0], draft=world.ids["draft"])
    response = world.client(role).open(path, method=method, data=form, base_url=world.base_url)
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    check_answer(world, path, response)


@pytest.mark.parametrize("path", ["/archive/9999/12", "/archive/2024/13", "/archive/2024/0",
                                  "/archive/0/1", "/archive/10000/1", f"/archive/{2**31 - 1}/12"])
def test_an_archive_month_that_cannot_exist_is_not_found(world, path):
    response = world.client("anonymous").get(path, base_url=world.base_url)
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


@pytest.mark.parametrize("target", ["/desk/%0d%0aSet-Cookie:x", "/desk/%0aSet-Cookie:x", "/desk/%0d",
                                    "/%09/evil.example", "/\\evil.example", "//evil.example"])
def test_a_line_break_in_next_is_not_followed(world, target):
    client = world.app.test_client()
    page = client.get(f"/login?next={target}", base_url=world.base_url)
    assert page.status_code == 200
    response = client.post(f"/login?next={target}", base_url=world.base_url, data={
        "email": "writer@example.org", "password": PASSWORD,
        "form_token": form_token(page.get_data(as_text=True))})
    assert response.status_code == 302
    assert response.headers["Location"] == "/desk/"
    assert client.get_cookie("x", domain=world.host) is None


def test_a_non_character_in_the_address_is_a_clear_400(world):
    for path in ("/articles/a%EF%BF%BEb", "/tags/%EF%BF%BF", "/campaigns/%EF%B7%90/feed.atom"):
        response = world.client("anonymous").get(path, base_url=world.base_url)
        assert response.status_code == 400, path
        assert "The address contains characters this site does not accept." in response.get_data(as_text=True)


# Hosts no address can be built for (IDNA: a label over 63 characters, or an empty one), and
# others merely odd. Sent straight to the app (`send`), as a server would pass them.
UNENCODABLE_HOSTS = ["x" * 5000, "a" * 64 + ".example", ".", "a..b"]
ODD_HOSTS = ["xn--", "xn--zz.example", "[::1", "127.0.0.1:99999", "a b"]
HOST_PATHS = ["/", "/desk/", "/articles/a%00b", "/feed.atom", "/login?next=/desk/"]


def _host_failures(world: World, role: str, expected: Any) -> list[str]:
    failures = []
    for host, path in itertools.product(UNENCODABLE_HOSTS + ODD_HOSTS, HOST_PATHS):
        path, _, query = path.partition("?")
        call = Call(role, "GET", path, query=query, headers={"Host": host})
        try:
            response = send(world, call)
            check_answer(world, call, response)
            problem = expected(host, response)
        except Exception as exc:  # each host and path is reported
            problem = f"{type(exc).__name__}: {str(exc)[:200]} at {_where(exc)}"
        if problem:
            failures.append(f"{call!r}: {problem}")
    return failures


@pytest.mark.parametrize("role", ["anonymous", "writer"])
def test_an_absurd_host_is_refused_or_answered_without_a_server_error(world, role):
    """Without CMS_BASE_URL (as in tests) any host is served; one that no address can be built
    for is refused with a 400."""

    def expected(host: str, response: TestResponse) -> str | None:
        if host in UNENCODABLE_HOSTS and response.status_code != 400:
            return f"{response.status_code}, not 400"
        return None

    failures = _host_failures(world, role, expected)
    assert not failures, "\n".join(failures)


@pytest.mark.config(CMS_BASE_URL=BASE)
@pytest.mark.parametrize("role", ["anonymous", "writer"])
def test_an_absurd_host_is_the_plain_400_when_served(world, role):
    """As served, the refusal of the host comes first, even for an address refused too."""

    def expected(host: str, response: TestResponse) -> str | None:
        if (response.status_code, response.get_data(as_text=True)) != (400, UNTRUSTED_HOST):
            return f"{response.status_code}, not the plain 400"
        return None

    failures = _host_failures(world, role, expected)
    assert not failures, "\n".join(failures)
