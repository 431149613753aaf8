"""The schema comes only from the migrations: up from empty, down to empty, and up again."""

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from cms import create_app
from cms.extensions import db
from tests.conftest import BACKEND, base_config, postgres_url, reset_postgres

TABLES = {"users", "campaigns", "pieces", "tags", "piece_tags", "images",
          "participants", "turns", "comments", "moderation_events", "site_settings"}


def _leave_the_session_schema(app, url):
    """On PostgreSQL the other tests share this database: give it back migrated."""
    if BACKEND == "postgres":
        reset_postgres(url)
        with app.app_context():
            upgrade(revision="heads")
            db.engine.dispose()


def test_migrations_build_the_schema_from_an_empty_database_and_back(tmp_path):
    if BACKEND == "postgres":
        url = postgres_url()
    else:
        url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    app = create_app(base_config(tmp_path / "instance", url))
    try:
        with app.app_context():
            if BACKEND == "postgres":
                reset_postgres(url)
            assert inspect(db.engine).get_table_names() == []
            upgrade(revision="heads")
            assert TABLES <= set(inspect(db.engine).get_table_names())
            # The models and the migrations agree: nothing left for autogenerate to add.
            from alembic.autogenerate import compare_metadata
            from alembic.migration import MigrationContext

            with db.engine.connect() as conn:
                diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
            assert diff == []
            downgrade(revision="base")
            assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
            upgrade(revision="heads")
            assert TABLES <= set(inspect(db.engine).get_table_names())
            db.engine.dispose()
    finally:
        _leave_the_session_schema(app, url)


# An interview as revision 0006 stored it: the whole frame in body_html.
OLD_FRAME = (
    '<div class="introduction">\n<p>Intro <em>one</em>.</p>\n<p>Second intro para.</p>\n</div>\n'
    '<section class="participants" aria-labelledby="participants-heading">\n'
    '<h2 id="participants-heading">In this interview</h2>\n<dl>\n<dt>Ann Ask (AA)</dt>\n'
    '<dd class="role">Interviewer</dd>\n<dt>Bo Be (BB)</dt>\n<dd class="role">Interviewee</dd>\n'
    '</dl>\n</section>\n<div class="transcript">\n<div class="turn interviewer" id="turn-1">\n'
    '<p class="speaker"><strong>Ann Ask</strong>:</p>\n<p><strong>Question?<sup id="fnref:1">'
    '<a class="footnote-ref" href="#fn:1">1</a></sup></strong></p>\n</div>\n'
    '<div class="turn interviewee" id="turn-2">\n<p class="speaker"><strong>Bo Be</strong>:</p>\n'
    '<p>Answer x.</p>\n</div>\n</div>\n<section class="notes" aria-label="Notes">\n'
    '<div class="footnote">\n<hr>\n<ol>\n<li id="fn:1">\n<p>A note.&#160;<a class="footnote-backref" '
    'href="#fnref:1" title="Back to the text">&#8617;</a></p>\n</li>\n</ol>\n</div>\n</section>'
)
OLD_ROWS = [
    "INSERT INTO users (id, email, display_name, password_hash, role, active, created_at) "
    "VALUES (1, 'w@example.org', 'W', 'x', 'writer', true, '2026-11-28 10:00:00')",
    "INSERT INTO pieces (id, kind, slug, title, standfirst, body_source, body_html, language, status, "
    "published_at, comments_open, created_at, updated_at, author_id) VALUES (1, 'interview', 't', 'T', "
    "'', 'source', :frame, 'en', 'published', '2026-11-28 10:00:00', true, '2026-11-28 10:00:00', "
    "'2026-11-28 10:00:00', 1)",
    "INSERT INTO participants (id, piece_id, position, name, initials, role, bio) VALUES "
    "(1, 1, 0, 'Ann Ask', 'AA', 'interviewer', ''), (2, 1, 1, 'Bo Be', 'BB', 'interviewee', '')",
    "INSERT INTO turns (id, piece_id, position, participant_id, text_source, text_html) VALUES "
    "(1, 1, 1, 1, 'Question?[^1]', '<p>Question?<sup id=\"fnref:1\"><a class=\"footnote-ref\" "
    "href=\"#fn:1\">1</a></sup></p>'), (2, 1, 2, 2, 'Answer x.', '<p>Answer x.</p>')",
]


def test_interviews_stored_whole_are_split_into_parts_and_back(tmp_path):
    """0007 keeps every interview: the page rendered from the parts is the frame it had."""
    from sqlalchemy import text

    from cms.interviews.models import Interview

    url = postgres_url() if BACKEND == "postgres" else f"sqlite:///{tmp_path / 'old.sqlite3'}"
    app = create_app(base_config(tmp_path / "instance", url))
    try:
        with app.app_context():
            if BACKEND == "postgres":
                reset_postgres(url)
            upgrade(revision="0006")
            for statement in OLD_ROWS:
                db.session.execute(text(statement), {"frame": OLD_FRAME})
            db.session.commit()
            upgrade(revision="heads")  # 0007, and the later revisions the models need
            interview = db.session.get(Interview, 1)
            assert interview.body_html == "<p>Intro <em>one</em>.</p>\n<p>Second intro para.</p>"
            assert interview.notes_html.startswith('<div class="footnote">\n<hr>')
            assert str(interview.reader_html()) == OLD_FRAME
            db.session.remove()
            downgrade(revision="0006")
            stored = db.session.execute(text("SELECT body_html FROM pieces WHERE id = 1")).scalar()
            assert stored == OLD_FRAME
            db.session.remove()
            db.engine.dispose()
    finally:
        _leave_the_session_schema(app, url)


def test_every_existing_piece_gets_its_first_revision_from_what_it_holds(tmp_path):
    """0013: revision 1 of each piece is the row as it was, tags and image details included,
    and the row holds it; downgrading drops revisions and the new audit action."""
    from sqlalchemy import text

    url = postgres_url() if BACKEND == "postgres" else f"sqlite:///{tmp_path / 'old.sqlite3'}"
    app = create_app(base_config(tmp_path / "instance", url))
    try:
        with app.app_context():
            if BACKEND == "postgres":
                reset_postgres(url)
            upgrade(revision="0012")
            for statement in OLD_ROWS[:2] + [
                "INSERT INTO tags (id, kind, name, slug) VALUES (1, 'topic', 'Privacy', 'privacy'), "
                "(2, 'country', 'Azerbaijan', 'azerbaijan'), (3, 'topic', 'Censorship', 'censorship')",
                "INSERT INTO piece_tags (piece_id, tag_id) VALUES (1, 1), (1, 2), (1, 3)",
                "INSERT INTO images (id, filename, width, height, alt_text, caption, credit, licence_name, "
                "licence_url, source_url, created_at) VALUES (1, 'a.png', 4, 3, 'Alt', 'Cap', 'Cred', "
                "'CC BY', 'https://l.example/', 'https://s.example/', '2026-11-28 10:00:00')",
                "UPDATE pieces SET image_id = 1, standfirst = 'Stand' WHERE id = 1",
            ]:
                db.session.execute(text(statement), {"frame": OLD_FRAME})
            db.session.commit()
            upgrade(revision="0013")
            first = db.session.execute(text("SELECT * FROM revisions ORDER BY id")).first()
            assert (first.piece_id, first.number, first.author_id, first.title, first.standfirst) == (
                1, 1, 1, "T", "Stand")
            assert (first.topics, first.countries) == ("Censorship, Privacy", "Azerbaijan")
            assert (first.image_id, first.image_alt, first.image_caption, first.image_credit,
                    first.image_licence_name, first.image_licence_url, first.image_source_url) == (
                1, "Alt", "Cap", "Cred", "CC BY", "https://l.example/", "https://s.example/")
            assert db.session.execute(text("SELECT revision_number FROM pieces")).scalar() == 1
            db.session.execute(text("INSERT INTO audit_events (at, actor_name, action, subject, detail) "
                                    "VALUES ('2026-12-07 10:00:00', 'W', 'publish changes', 'T', '')"))
            db.session.commit()
            db.session.remove()
            downgrade(revision="0012")
            assert "revisions" not in inspect(db.engine).get_table_names()
            assert db.session.execute(text("SELECT count(*) FROM audit_events")).scalar() == 0
            db.session.remove()
            db.engine.dispose()
    finally:
        _leave_the_session_schema(app, url)



def test_every_existing_piece_credits_its_writer(tmp_path):
    """0014: each piece's byline is its writer's name, as its page said before; revisions too."""
    from sqlalchemy import text

    url = postgres_url() if BACKEND == "postgres" else f"sqlite:///{tmp_path / 'old.sqlite3'}"
    app = create_app(base_config(tmp_path / "instance", url))
    try:
        with app.app_context():
            if BACKEND == "postgres":
                reset_postgres(url)
            upgrade(revision="0013")
            for statement in OLD_ROWS[:2]:
                db.session.execute(text(statement.replace("'W', 'x'", "'Wren  Writer', 'x'")),
                                   {"frame": OLD_FRAME})
            db.session.commit()
            upgrade(revision="0014")
            rows = db.session.execute(text(
                "SELECT c.name, c.slug, pc.role, pc.position FROM piece_credits pc "
                "JOIN contributors c ON c.id = pc.contributor_id WHERE pc.piece_id = 1")).all()
            assert [tuple(row) for row in rows] == [("Wren Writer", "wren-writer", "author", 0)]
            db.session.remove()
            downgrade(revision="0013")
            assert "contributors" not in inspect(db.engine).get_table_names()
            db.session.remove()
            db.engine.dispose()
    finally:
        _leave_the_session_schema(app, url)
