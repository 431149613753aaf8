"""The base of every form: what the CMS accepts as text at all."""

from __future__ import annotations

import re
from typing import Any

from flask_wtf import FlaskForm

# C0 control characters but tab, line feed and carriage return; DEL. PostgreSQL refuses NUL,
# and none of them can be typed on purpose.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_control_characters(value: Any) -> Any:
    return CONTROL_CHARACTERS.sub("", value) if isinstance(value, str) else value


class Form(FlaskForm):
    """A FlaskForm whose text fields drop control characters before validation."""

    class Meta:
        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Any:
            filters = [*unbound_field.kwargs.get("filters", ()), strip_control_characters]
            return unbound_field.bind(form=form, filters=filters, **options)
