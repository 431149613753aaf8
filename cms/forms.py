"""The base of every form: what the CMS accepts as text at all."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto
from werkzeug.datastructures import FileStorage
from werkzeug.routing import IntegerConverter
from wtforms.fields import FileField

from cms.rules import accepted_text


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` in every route: numbers beyond an id column are simply not found (404)."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:  # noqa: A002 (werkzeug's name)
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def page_number(value: str | None, last: int = 100_000) -> int:
    """A page number from the query string: anything odd is page 1, huge ones the last."""
    try:
        return min(max(int(value or 1), 1), last)
    except ValueError:
        return 1


def requested_page(name: str = "page") -> int:
    """The page number the request's query string asks for (`?page=3`)."""
    return page_number(request.args.get(name))


def strip_control_characters(value: Any) -> Any:
    return accepted_text(value) if isinstance(value, str) else value


def no_file(value: Any) -> Any:
    """A file sent where text is expected is no text: the field is then empty (and says so
    if it is required), never a server error."""
    return "" if isinstance(value, FileStorage) else value


class Form(FlaskForm):
    """A FlaskForm whose text fields drop unaccepted characters before validation, and take
    no file where text is expected."""

    class Meta:
        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Any:
            filters = [*unbound_field.kwargs.get("filters", ())]
            if not issubclass(unbound_field.field_class, FileField):
                filters.insert(0, no_file)
            filters.append(strip_control_characters)
            return unbound_field.bind(form=form, filters=filters, **options)

        def wrap_formdata(self, form: Any, formdata: Any) -> Any:
            # Our forms are HTML forms: a JSON body is not read as one (Flask-WTF would, and
            # fails with a 500 on JSON that is not an object).
            if formdata is _Auto and request.is_json and not request.form and not request.files:
                return None
            return super().wrap_formdata(form, formdata)
