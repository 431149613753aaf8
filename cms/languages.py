"""The languages pieces are written in, each named in its own language ("Русский", not
"Russian"), for the desk's list and wherever readers see a language named."""

from __future__ import annotations

from flask import current_app

# Code -> the language's name in that language. The site offers those CMS_LANGUAGES lists.
NAMES = {
    "en": "English", "ru": "Русский", "az": "Azərbaycan dili", "uk": "Українська",
    "be": "Беларуская", "ka": "ქართული", "hy": "Հայերեն", "kk": "Қазақ тілі",
    "ky": "Кыргызча", "uz": "Oʻzbekcha", "tg": "Тоҷикӣ", "tk": "Türkmençe", "tr": "Türkçe",
    "fa": "فارسی", "ar": "العربية", "de": "Deutsch", "fr": "Français", "es": "Español",
    "ro": "Română",
}


def language_name(code: str) -> str:
    """ "ru" -> "Русский", "az-Cyrl" -> "Azərbaycan dili"; an unknown code as it is."""
    return NAMES.get(code.lower(), NAMES.get(code.split("-")[0].lower(), code))


def site_languages() -> list[str]:
    """The codes the desk offers, in the order CMS_LANGUAGES gives them."""
    return [code for code in current_app.config["CMS_LANGUAGES"] if code]


def language_choices(current: str | None = None) -> list[tuple[str, str]]:
    """(code, own name) for a select field; a piece's language the site no longer lists stays
    selectable, so saving it changes nothing the writer did not choose."""
    codes = site_languages()
    if current and current not in codes:
        codes = [*codes, current]
    return [(code, f"{language_name(code)} ({code})") for code in codes]
