"""Settings: defaults, then CMS_* environment variables, then the mapping passed in."""

from pathlib import Path

import pytest

from cms import config, create_app


def test_environment_overrides_defaults_and_mapping_overrides_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("CMS_PAGE_SIZE", "7")
    monkeypatch.setenv("CMS_SITE_NAME", "From the environment")
    app = create_app({"CMS_INSTANCE_PATH": str(tmp_path), "CMS_SITE_NAME": "From the mapping"})
    assert app.config["CMS_PAGE_SIZE"] == 7
    assert app.config["CMS_SITE_NAME"] == "From the mapping"
    assert app.config["CMS_FEED_SIZE"] == config.DEFAULTS["CMS_FEED_SIZE"]


def test_instance_path_and_database_url_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("CMS_INSTANCE_PATH", str(tmp_path / "inst"))
    monkeypatch.setenv("CMS_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    app = create_app()
    assert app.instance_path == str((tmp_path / "inst").resolve())
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("CMS_DATABASE_URL", raising=False)
    app = create_app({"CMS_INSTANCE_PATH": str(tmp_path)})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path.resolve()}/cms.sqlite3"


def test_secret_key_is_generated_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("CMS_SECRET_KEY", raising=False)
    first = create_app({"CMS_INSTANCE_PATH": str(tmp_path)}).config["SECRET_KEY"]
    second = create_app({"CMS_INSTANCE_PATH": str(tmp_path)}).config["SECRET_KEY"]
    assert first == second
    assert len(first) == 64
    key_file = Path(tmp_path) / "secret_key"
    assert key_file.read_text().strip() == first
    assert key_file.stat().st_mode & 0o077 == 0


def test_secret_key_from_the_environment_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("CMS_SECRET_KEY", "from-env")
    assert create_app({"CMS_INSTANCE_PATH": str(tmp_path)}).config["SECRET_KEY"] == "from-env"
    assert not (tmp_path / "secret_key").exists()


def test_a_number_setting_that_is_not_a_number_is_named(monkeypatch):
    monkeypatch.setenv("CMS_PAGE_SIZE", "ten")
    with pytest.raises(ValueError, match="CMS_PAGE_SIZE must be a whole number"):
        config.from_environment({"CMS_PAGE_SIZE": "ten"})
