"""The search form: a GET form, so it works without JavaScript and can be bookmarked."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import Form, SearchField


class SearchForm(Form):
    q = SearchField(
        _l("Search the archive"),
        description=_l('Words must all appear. Use "quotes" for a phrase, -word to leave a word out, '
                       "OR for either word, title: or speaker: to look only there."),
    )
