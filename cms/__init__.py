"""Campaign CMS: articles, interviews, moderated comments and search for advocacy campaigns."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from cms import (
    audit,
    database,
    errors,
    i18n,
    links,
    models,  # noqa: F401 (every table, for the metadata and Alembic)
    pagecache,
    ratelimit,
    security,
    templating,
)
from cms import config as settings
from cms.accounts import account, admin, reset_views, twofactor_views
from cms.accounts import cli as accounts_cli
from cms.accounts import views as accounts_views
from cms.articles import cli as pieces_cli
from cms.articles import contributors_desk, desk, revisions_desk, translations_desk
from cms.articles import views as articles_views
from cms.backup import cli as backup_cli
from cms.campaigns import views as campaigns_views
from cms.comments import cli as comments_cli
from cms.comments import views as comments_views
from cms.comments import withdraw as comments_withdraw
from cms.comments.moderation import bp as moderation_bp
from cms.demo import demo_command
from cms.extensions import compress, csrf, db, login_manager, migrate
from cms.forms import BoundedIntConverter
from cms.health import bp as health_bp
from cms.interviews import cli as interviews_cli
from cms.interviews import desk as interview_desk
from cms.interviews import views as interviews_views
from cms.mirror import cli as mirror_cli
from cms.mirror import views as mirror_views
from cms.search import cli as search_cli
from cms.search import hooks as search_hooks
from cms.search import views as search_views

ROOT = Path(__file__).resolve().parent.parent


def _asset_folder(name: str) -> str:
    """templates/, static/ or migrations/: the copy inside the package when it is installed
    (the wheel ships them as cms/templates, cms/static, cms/migrations: see pyproject.toml);
    in a checkout (an editable install, `make run`, the tests), the top-level folder."""
    packaged = Path(__file__).resolve().parent / name
    top = ROOT / name
    return str(top if top.is_dir() and not packaged.is_dir() else packaged)


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
    links.init_app(app)  # CMS_BASE_URL, and the trusted host it implies
    database.init_app(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=_asset_folder("migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    pagecache.init_app(app)  # the page cache, and the compressor it calls: pages are cached compressed
    compress.init_app(app)  # its settings only (pagecache registers the hook)
    ratelimit.init_app(app)
    i18n.init_app(app)  # Babel and the /<language>/ prefix, before any blueprint's rules

    accounts_views.init_app(app)
    reset_views.init_app(app)  # /reset: a password link by e-mail, and choosing the password
    admin.init_app(app)  # the user admin screens at /desk/users
    twofactor_views.init_app(app)  # two-factor sign-in, and the guard of CMS_REQUIRE_2FA
    account.init_app(app)  # each user's /account page
    articles_views.init_app(app)  # public pages of every kind of piece
    desk.init_app(app)  # the desk every kind shares, and the article editor
    revisions_desk.init_app(app)  # the revisions of a piece, and "Publish changes"
    contributors_desk.init_app(app)  # credited people's names, bios and links
    translations_desk.init_app(app)  # "Translate": a draft in another language
    app.register_blueprint(campaigns_views.bp)
    audit.init_app(app)  # the audit log at /desk/audit
    app.register_blueprint(health_bp)
    comments_views.init_app(app)  # blueprint "comments" and the comment_section global
    comments_withdraw.init_app(app)  # /comments/withdraw: a reader withdraws their own comment
    app.register_blueprint(moderation_bp)
    app.register_blueprint(interviews_views.bp)
    app.register_blueprint(interview_desk.bp)
    app.register_blueprint(search_views.bp)
    search_hooks.init_app(app)  # the index follows every commit
    mirror_views.init_app(app)  # /mirrors, /mirrors.json, Onion-Location; canonical links

    errors.init_app(app)
    security.init_app(app)
    templating.init_app(app)
    app.cli.add_command(accounts_cli.users)
    app.cli.add_command(backup_cli.backup_command)
    app.cli.add_command(backup_cli.restore_command)
    app.cli.add_command(comments_cli.comments)
    app.cli.add_command(demo_command)
    app.cli.add_command(interviews_cli.interviews)
    app.cli.add_command(pieces_cli.pieces)
    app.cli.add_command(search_cli.search)
    app.cli.add_command(pieces_cli.trash)
    app.cli.add_command(pieces_cli.translations)
    app.cli.add_command(pieces_cli.images)
    app.cli.add_command(mirror_cli.mirror)
    return app
