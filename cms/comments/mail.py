"""E-mail to moderators when a new comment waits: off unless CMS_MAIL_SERVER is set.

Sending happens after the comment is saved (through cms/mail.py); a failure is logged and
loses nothing.
"""

from __future__ import annotations

import logging
from email.message import EmailMessage
from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy import select

from cms import mail
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


def _subject() -> str:
    return f"[{current_app.config['CMS_SITE_NAME']}] A comment waits for moderation"


def _text(comment: Comment) -> str:
    """Which piece, and the link to the comment's page, where a moderator logs in and approves
    or rejects it. Never the comment, the name or the address: mail crosses servers we do not
    run, and a reader under watch may have written it."""
    queue = external_url("moderation.queue")
    page = queue if comment.id is None else external_url("moderation.comment", comment_id=comment.id)
    return (f"A new comment on “{comment.piece.title}” waits for moderation.\n\n"
            f"Approve or reject it on its page (log in when asked):\n{page}\n\n"
            f"Every comment that waits:\n{queue}\n")


def _message(comment: Comment, recipients: list[str]) -> EmailMessage:
    return mail.build(recipients, _subject(), _text(comment))


def notify_moderators(comment: Comment) -> bool:
    """Tell moderators a comment waits; False when mail is off or sending failed."""
    if not mail.configured():
        return False
    recipients = moderator_addresses()
    if not recipients:
        return False
    try:
        subject, text = _subject(), _text(comment)
    except Exception as exc:  # the comment is saved already; a mail problem must not undo it
        log.warning("could not e-mail moderators about comment %s: %s", comment.id, exc)
        return False
    if not mail.send(recipients, subject, text):
        log.warning("could not e-mail moderators about comment %s", comment.id)
        return False
    return True
