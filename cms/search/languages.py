"""Languages named as their speakers write them, for the search page's language filter."""

from __future__ import annotations

# Languages of the region and of our readers; a code not here is shown as it is.
NAMES = {
    "ar": "العربية",
    "az": "Azərbaycan dili",
    "be": "Беларуская",
    "de": "Deutsch",
    "en": "English",
    "es": "Español",
    "fa": "فارسی",
    "fr": "Français",
    "hy": "Հայերեն",
    "ka": "ქართული",
    "kk": "Қазақ тілі",
    "ky": "Кыргызча",
    "ro": "Română",
    "ru": "Русский",
    "tg": "Тоҷикӣ",
    "tk": "Türkmençe",
    "tr": "Türkçe",
    "uk": "Українська",
    "uz": "Oʻzbekcha",
}


def language_name(code: str) -> str:
    """ "ru" -> "Русский", "az-Cyrl" -> "Azərbaycan dili"; an unknown code as it is."""
    return NAMES.get(code.lower(), NAMES.get(code.split("-")[0].lower(), code))
