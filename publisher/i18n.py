"""Labels, dates and writing direction per language."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_skeleton

_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "contents": "Contents",
        "source": "Source",
        "sources": "Sources",
        "published": "Published",
        "field": "{name}:",
        "page": "Page",
        "page_of": "Page {page} of {pages}",
        "documents": "{count} documents",
        "document": "1 document",
        "at_a_glance": "At a glance",
        "date": "Date",
        "title": "Title",
        "type": "Type",
        "colophon": "Colophon",
        "cover": "Cover",
        "title_page": "Title page",
        "start": "Start of content",
        "end_mark": "###",
        "read_in": "Read in English",
        "generated": "Compiled with Publisher on {date}.",
        "source_count": "{count} sources",
        "language": "English",
        "translations": "Translations",
        "only_in": "Only in {language}",
    },
    "es": {
        "contents": "Índice",
        "source": "Fuente",
        "sources": "Fuentes",
        "published": "Publicado",
        "field": "{name}:",
        "page": "Página",
        "page_of": "Página {page} de {pages}",
        "documents": "{count} documentos",
        "document": "1 documento",
        "at_a_glance": "De un vistazo",
        "date": "Fecha",
        "title": "Título",
        "type": "Tipo",
        "colophon": "Colofón",
        "cover": "Cubierta",
        "title_page": "Portada",
        "start": "Inicio del contenido",
        "end_mark": "###",
        "read_in": "Leer en español",
        "generated": "Compilado con Publisher el {date}.",
        "source_count": "{count} fuentes",
        "language": "Español",
        "translations": "Traducciones",
        "only_in": "Solo en {language}",
    },
    "fr": {
        "contents": "Table des matières",
        "source": "Source",
        "sources": "Sources",
        "published": "Publié",
        "field": "{name}\u00a0:",
        "page": "Page",
        "page_of": "Page {page} sur {pages}",
        "documents": "{count} documents",
        "document": "1 document",
        "at_a_glance": "En bref",
        "date": "Date",
        "title": "Titre",
        "type": "Type",
        "colophon": "Colophon",
        "cover": "Couverture",
        "title_page": "Page de titre",
        "start": "Début du contenu",
        "end_mark": "###",
        "read_in": "Lire en français",
        "generated": "Compilé avec Publisher le {date}.",
        "source_count": "{count} sources",
        "language": "Français",
        "translations": "Traductions",
        "only_in": "Uniquement en {language}",
    },
    "de": {
        "contents": "Inhalt",
        "source": "Quelle",
        "sources": "Quellen",
        "published": "Veröffentlicht",
        "field": "{name}:",
        "page": "Seite",
        "page_of": "Seite {page} von {pages}",
        "documents": "{count} Dokumente",
        "document": "1 Dokument",
        "at_a_glance": "Auf einen Blick",
        "date": "Datum",
        "title": "Titel",
        "type": "Art",
        "colophon": "Impressum",
        "cover": "Umschlag",
        "title_page": "Titelseite",
        "start": "Beginn des Inhalts",
        "end_mark": "###",
        "read_in": "Auf Deutsch lesen",
        "generated": "Zusammengestellt mit Publisher am {date}.",
        "source_count": "{count} Quellen",
        "language": "Deutsch",
        "translations": "Übersetzungen",
        "only_in": "Nur auf {language}",
    },
    "pt": {
        "contents": "Sumário",
        "source": "Fonte",
        "sources": "Fontes",
        "published": "Publicado",
        "field": "{name}:",
        "page": "Página",
        "page_of": "Página {page} de {pages}",
        "documents": "{count} documentos",
        "document": "1 documento",
        "at_a_glance": "Em resumo",
        "date": "Data",
        "title": "Título",
        "type": "Tipo",
        "colophon": "Colofão",
        "cover": "Capa",
        "title_page": "Folha de rosto",
        "start": "Início do conteúdo",
        "end_mark": "###",
        "read_in": "Ler em português",
        "generated": "Compilado com Publisher em {date}.",
        "source_count": "{count} fontes",
        "language": "Português",
        "translations": "Traduções",
        "only_in": "Somente em {language}",
    },
    "ar": {
        "contents": "المحتويات",
        "source": "المصدر",
        "sources": "المصادر",
        "published": "نُشر",
        "field": "{name}:",
        "page": "صفحة",
        "page_of": "صفحة {page} من {pages}",
        "documents": "{count} وثيقة",
        "document": "وثيقة واحدة",
        "at_a_glance": "لمحة سريعة",
        "date": "التاريخ",
        "title": "العنوان",
        "type": "النوع",
        "colophon": "بيانات النشر",
        "cover": "الغلاف",
        "title_page": "صفحة العنوان",
        "start": "بداية المحتوى",
        "end_mark": "###",
        "read_in": "اقرأ بالعربية",
        "generated": "جُمع باستخدام Publisher في {date}.",
        "source_count": "{count} مصدر",
        "language": "العربية",
        "translations": "الترجمات",
        "only_in": "باللغة {language} فقط",
    },
    "he": {
        "contents": "תוכן העניינים",
        "source": "מקור",
        "sources": "מקורות",
        "published": "פורסם",
        "field": "{name}:",
        "page": "עמוד",
        "page_of": "עמוד {page} מתוך {pages}",
        "documents": "{count} מסמכים",
        "document": "מסמך אחד",
        "at_a_glance": "במבט חטוף",
        "date": "תאריך",
        "title": "כותרת",
        "type": "סוג",
        "colophon": "קולופון",
        "cover": "כריכה",
        "title_page": "עמוד שער",
        "start": "תחילת התוכן",
        "end_mark": "###",
        "read_in": "לקריאה בעברית",
        "generated": "נערך באמצעות Publisher ב־{date}.",
        "source_count": "{count} מקורות",
        "language": "עברית",
        "translations": "תרגומים",
        "only_in": "ב{language} בלבד",
    },
}

LANGUAGES = tuple(_LABELS)
"""Languages with a full label table; others fall back to English labels."""

# Admonition labels (issue 15), kept apart from the table above so that they move into the
# label catalogs in one piece. One per kind, in the order of ADMONITIONS.
ADMONITIONS = ("note", "tip", "important", "warning", "caution")
"""The kinds of admonition (GitHub's alerts), each with a label."""
_ADMONITION_LABELS: dict[str, tuple[str, str, str, str, str]] = {
    "en": ("Note", "Tip", "Important", "Warning", "Caution"),
    "es": ("Nota", "Consejo", "Importante", "Advertencia", "Precaución"),
    "fr": ("Remarque", "Astuce", "Important", "Avertissement", "Attention"),
    "de": ("Hinweis", "Tipp", "Wichtig", "Warnung", "Vorsicht"),
    "pt": ("Nota", "Dica", "Importante", "Aviso", "Cuidado"),
    "ar": ("ملاحظة", "نصيحة", "مهم", "تحذير", "تنبيه"),
    "he": ("הערה", "טיפ", "חשוב", "אזהרה", "זהירות"),
}


def admonition(lang: str, kind: str) -> str:
    """The label of an admonition of a kind ("note", "warning"…) in a language."""
    names = _ADMONITION_LABELS.get(base(lang), _ADMONITION_LABELS["en"])
    return names[ADMONITIONS.index(kind)]


def base(lang: str) -> str:
    """The primary subtag of a BCP 47 tag, lower case."""
    return lang.split("-")[0].lower()


def labels(lang: str) -> dict[str, str]:
    """The label table for a language, English where it has none."""
    return _LABELS.get(base(lang), _LABELS["en"])


def label(lang: str, key: str, **values: object) -> str:
    """One label in a language, with ``{placeholders}`` filled in."""
    return labels(lang)[key].format(**values)


def field(lang: str, key: str) -> str:
    """A label that names the value after it, punctuated as the language does: "Source:",
    "Source\u00a0:" in French."""
    return label(lang, "field", name=label(lang, key))


@lru_cache(maxsize=64)
def locale(lang: str) -> Locale:
    """The Babel locale for a BCP 47 tag, English when Babel does not know it."""
    try:
        return Locale.parse(lang.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        try:
            return Locale.parse(base(lang))
        except (UnknownLocaleError, ValueError):
            return Locale.parse("en")


def long_date(value: dt.date, lang: str) -> str:
    """A date written out in a language: "March 1, 2021", "1 de marzo de 2021"."""
    return format_date(value, format="long", locale=locale(lang))


def month_year(value: dt.date, lang: str) -> str:
    """A month and year in a language, as a standalone heading: "March 2021", "marzo de 2021"."""
    text = format_skeleton("yMMMM", value, locale=locale(lang))
    return text[:1].upper() + text[1:]


def language_name(lang: str, in_lang: str | None = None) -> str:
    """The name of a language, in its own language unless another is given."""
    name = locale(lang).get_display_name(locale(in_lang or lang)) or lang
    return name[:1].upper() + name[1:]


def only_in(lang: str, in_lang: str) -> str:
    """A note that an item exists in one language only: "Only in Spanish", "Solo en inglés"."""
    # Babel's names are cased for the middle of a sentence ("inglés", "Englisch").
    name = locale(lang).get_display_name(locale(in_lang)) or lang
    return label(in_lang, "only_in", language=name)


def is_rtl(lang: str) -> bool:
    """Whether a language is written right to left."""
    return locale(lang).character_order == "right-to-left"
