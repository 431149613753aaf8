"""E-mail from the CMS_MAIL_* settings: off while CMS_MAIL_SERVER is unset.

`send` never raises: whatever asked for a mail (a saved comment, a reset link) has already
happened and stands, so a mail server that is down or refuses is logged and answered with
False. The log names the mail's subject and the kind of failure, never an address.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Sequence
from email.message import EmailMessage

from flask import current_app

log = logging.getLogger(__name__)


def configured() -> bool:
    """Whether mail is on (CMS_MAIL_SERVER is set)."""
    return bool(current_app.config.get("CMS_MAIL_SERVER"))


def build(recipients: Sequence[str], subject: str, text: str) -> EmailMessage:
    """A plain-text message from CMS_MAIL_SENDER (or noreply@ the mail server)."""
    config = current_app.config
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = config["CMS_MAIL_SENDER"] or f"noreply@{config['CMS_MAIL_SERVER']}"
    message["To"] = ", ".join(recipients)
    message.set_content(text)
    return message


def _reason(exc: Exception) -> str:
    """What went wrong, without what some exceptions carry (the addresses a server refused)."""
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{type(exc).__name__} {exc.smtp_code}"
    if isinstance(exc, OSError) and exc.strerror:
        return f"{type(exc).__name__}: {exc.strerror}"
    return type(exc).__name__


def send(recipients: Sequence[str], subject: str, text: str) -> bool:
    """Send one plain-text mail; False when mail is off, there is nobody to send it to, or
    sending failed (logged, never raised)."""
    if not configured() or not recipients:
        return False
    config = current_app.config
    try:
        message = build(recipients, subject, text)
        with smtplib.SMTP(config["CMS_MAIL_SERVER"], config["CMS_MAIL_PORT"], timeout=10) as smtp:
            if config["CMS_MAIL_USE_TLS"]:
                smtp.starttls()
            if config["CMS_MAIL_USERNAME"]:
                smtp.login(config["CMS_MAIL_USERNAME"], config["CMS_MAIL_PASSWORD"] or "")
            smtp.send_message(message)
    except Exception as exc:  # what the mail is about has happened already: never undo it
        log.warning("could not send the mail %r: %s", subject, _reason(exc))
        return False
    return True
