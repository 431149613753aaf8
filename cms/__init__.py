"""Campaign CMS: articles, interviews, moderated comments and search for advocacy campaigns."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from cms import config as settings
from cms import pagecache, ratelimit
from cms.database import engine_options
from cms.extensions import compress, csrf, db, login_manager, migrate
from cms.forms import BoundedIntConverter

ROOT = Path(__file__).resolve().parent.parent


def _asset_folder(name: str) -> str:
    """templates/ and static/ sit beside the package in a checkout, inside it when installed."""
    top = ROOT / name
    return str(top if top.is_dir() else Path(__file__).resolve().parent / name)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application: settings, extensions, blueprints, commands."""
    values = settings.load(config, os.environ)
    instance_path = values.pop("CMS_INSTANCE_PATH", None) or os.environ.get("CMS_INSTANCE_PATH")
    app = Flask(
        __name__,
        instance_path=str(Path(instance_path).resolve()) if instance_path else None,
        instance_relative_config=True,
        template_folder=_asset_folder("templates"),
        static_folder=_asset_folder("static"),
    )
    app.url_map.converters["int"] = BoundedIntConverter
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(settings.resolve(values, app.instance_path))
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(app))

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    pagecache.init_app(app)  # before the compressor: pages are cached compressed
    compress.init_app(app)
    ratelimit.init_app(app)

    from cms import errors, models, security, templating  # noqa: F401 (models: every table)
    from cms.accounts import cli as accounts_cli
    from cms.accounts.views import bp as accounts_bp
    from cms.articles.desk import bp as desk_bp
    from cms.articles.views import bp as articles_bp
    from cms.campaigns.views import bp as campaigns_bp
    from cms.comments import views as comments_views
    from cms.comments.moderation import bp as moderation_bp
    from cms.demo import demo_command
    from cms.health import bp as health_bp
    from cms.interviews import cli as interviews_cli
    from cms.interviews.desk import bp as interview_desk_bp
    from cms.interviews.views import bp as interviews_bp
    from cms.search import cli as search_cli
    from cms.search.views import bp as search_bp

    app.register_blueprint(accounts_bp)
    app.register_blueprint(articles_bp)
    app.register_blueprint(campaigns_bp)
    app.register_blueprint(desk_bp)
    app.register_blueprint(health_bp)
    comments_views.init_app(app)  # blueprint "comments" and the comment_section global
    app.register_blueprint(moderation_bp)
    app.register_blueprint(interviews_bp)
    app.register_blueprint(interview_desk_bp)
    app.register_blueprint(search_bp)

    errors.init_app(app)
    security.init_app(app)
    templating.init_app(app)
    app.cli.add_command(accounts_cli.users)
    app.cli.add_command(demo_command)
    app.cli.add_command(interviews_cli.interviews)
    app.cli.add_command(search_cli.search)
    return app
