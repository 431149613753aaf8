"""Every model, imported once so the metadata (and Alembic) knows every table."""

from cms.accounts.models import RecoveryCode, User, UserSession
from cms.articles.models import Contributor, Credit, Image, Piece, Revision, Tag
from cms.audit import AuditEvent
from cms.campaigns.models import Campaign
from cms.comments.models import Comment, ModerationEvent, SiteSetting
from cms.interviews.models import Participant, Turn
from cms.ratelimit import RateCounter
from cms.search.models import SearchBacklog
from cms.search.postgres.models import SearchEntry, SearchWord

__all__ = [
    "AuditEvent", "Campaign", "Comment", "Contributor", "Credit", "Image", "ModerationEvent",
    "Participant", "Piece", "RateCounter", "RecoveryCode", "Revision", "SearchBacklog", "SearchEntry",
    "SearchWord", "SiteSetting", "Tag", "Turn", "User", "UserSession",
]
