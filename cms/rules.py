"""The error every domain's services raise when a change breaks one of their rules."""

from __future__ import annotations


class RuleError(ValueError):
    """A change that breaks a rule; `field` names the form field to show `message` on."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
