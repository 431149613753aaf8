"""Moderators edit a comment's text (a phone number, an insult), saying why; the text before
the edit stays in the comment's history."""

from __future__ import annotations

from cms.accounts.models import User
from cms.comments.models import Comment, ModerationEvent
from cms.comments.services import BODY_MAX, CommentError, clean_text
from cms.database import utcnow
from cms.extensions import db
from cms.permissions import Action, require
from cms.rules import blank, clean_name
from cms.textformat import plain_text_to_html

REASON_MAX = 200  # ModerationEvent.reason


def edit_comment(user: User | None, comment: Comment, body: str, reason: str) -> Comment:
    """Replace the text of `comment`, rendered again; an "edit" event keeps the old text and
    the reason. An approved comment's public page changes at the commit."""
    require(user, Action.MODERATE)
    require(user, Action.SEE_PIECE, comment.piece)
    if comment.withdrawn_at is not None:
        raise CommentError("body", "The reader withdrew this comment: it cannot be edited.")
    body, reason = clean_text(body), clean_name(reason)
    if blank(body):
        raise CommentError("body", "The comment is empty.")
    if len(body) > BODY_MAX:
        raise CommentError("body", f"The comment may have at most {BODY_MAX:,} characters.")
    if not reason:
        raise CommentError("reason", "Say why you edit the comment, e.g. “removed a phone number”.")
    if len(reason) > REASON_MAX:
        raise CommentError("reason", f"The reason may have at most {REASON_MAX} characters.")
    if body == comment.body:
        raise CommentError("body", "The text is the same as before: nothing was changed.")
    html = plain_text_to_html(body)
    if not html:
        raise CommentError("body", "The comment is empty.")
    db.session.add(ModerationEvent(comment=comment, moderator=user, action="edit", at=utcnow(),
                                   reason=reason, previous_body=comment.body))
    comment.body, comment.body_html = body, html
    db.session.commit()
    return comment
