"""E-mail to moderators when a new comment waits: off unless CMS_MAIL_SERVER is set.

Sending happens after the comment is saved; a failure is logged and loses nothing.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy import select

from cms.accounts.models import User
from cms.extensions import db
from cms.links import external_url
from cms.permissions import Action, roles_that_can

if TYPE_CHECKING:
    from cms.comments.models import Comment

log = logging.getLogger(__name__)


def moderator_addresses() -> list[str]:
    roles = roles_that_can(Action.MODERATE)
    return list(db.session.scalars(
        select(User.email).where(User.active.is_(True), User.role.in_(roles)).order_by(User.email)
    ))


def _message(comment: Comment, recipients: list[str]) -> EmailMessage:
    config = current_app.config
    message = EmailMessage()
    message["Subject"] = f"[{config['CMS_SITE_NAME']}] A comment waits for moderation"
    message["From"] = config["CMS_MAIL_SENDER"] or f"noreply@{config['CMS_MAIL_SERVER']}"
    message["To"] = ", ".join(recipients)
    queue = external_url("moderation.queue")
    message.set_content(
        f"A new comment on “{comment.piece.title}” waits for moderation.\n\n{queue}\n")
    return message


def notify_moderators(comment: Comment) -> bool:
    """Tell moderators a comment waits; False when mail is off or sending failed."""
    config = current_app.config
    if not config.get("CMS_MAIL_SERVER"):
        return False
    recipients = moderator_addresses()
    if not recipients:
        return False
    try:
        message = _message(comment, recipients)
        with smtplib.SMTP(config["CMS_MAIL_SERVER"], config["CMS_MAIL_PORT"], timeout=10) as smtp:
            if config["CMS_MAIL_USE_TLS"]:
                smtp.starttls()
            if config["CMS_MAIL_USERNAME"]:
                smtp.login(config["CMS_MAIL_USERNAME"], config["CMS_MAIL_PASSWORD"] or "")
            smtp.send_message(message)
    except Exception as exc:  # the comment is saved already; a mail problem must not undo it
        log.warning("could not e-mail moderators about comment %s: %s", comment.id, exc)
        return False
    return True
