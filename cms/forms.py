"""The base of every form: what the CMS accepts as text at all."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto
from werkzeug.datastructures import CombinedMultiDict, MultiDict
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


class Form(FlaskForm):
    """A FlaskForm whose text fields drop unaccepted characters before validation, and that
    reads files only into its file fields."""

    class Meta:
        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Any:
            filters = [*unbound_field.kwargs.get("filters", ()), strip_control_characters]
            return unbound_field.bind(form=form, filters=filters, **options)

        def wrap_formdata(self, form: Any, formdata: Any) -> Any:
            if formdata is not _Auto:
                return super().wrap_formdata(form, formdata)
            # Our forms are HTML forms: a JSON body is not read as one (Flask-WTF would, and
            # fails with a 500 on JSON that is not an object).
            if request.is_json and not request.form and not request.files:
                return None
            if request.files:
                # A file sent where text is expected is not read (WTForms would fail on it);
                # validate() then says so on that field.
                wanted = {field.name for field in form if isinstance(field, FileField)}
                form.misplaced_files = {field.name for field in form if field.name in request.files
                                        and field.name not in wanted}
                files = MultiDict([(name, upload) for name, upload in request.files.items(multi=True)
                                   if name in wanted])
                return CombinedMultiDict((files, request.form))
            return super().wrap_formdata(form, formdata)

    misplaced_files: set[str] = set()

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        for name in self.misplaced_files:
            self[name].errors = [*self[name].errors, "Type text here: a file cannot be sent in this field."]
        return valid and not self.misplaced_files
