"""The schema comes only from the migrations: up from empty, down to empty, and up again."""

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from cms import create_app
from cms.extensions import db
from tests.conftest import BACKEND, base_config, postgres_url, reset_postgres

TABLES = {"users", "campaigns", "pieces", "tags", "piece_tags", "images",
          "participants", "turns", "comments", "moderation_events", "site_settings"}


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
        if BACKEND == "postgres":
            # Leave the session's schema as the other tests expect it.
            reset_postgres(url)
            with app.app_context():
                upgrade(revision="heads")
                db.engine.dispose()
