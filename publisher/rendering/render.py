"""Compilation → rendered XHTML parts, shared by both backends."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, cast

import jinja2
from markupsafe import Markup, escape

from publisher import i18n
from publisher.assembling import bilingual, identity
from publisher.model import Compilation, Document, Entry, Section

# The theme is re-exported: backends and tests reach it through ``render``.
from publisher.rendering.theme import BUILTIN_STYLES as BUILTIN_STYLES
from publisher.rendering.theme import BUILTIN_TEMPLATES as BUILTIN_TEMPLATES
from publisher.rendering.theme import COVER_TEMPLATE, data_uri, is_image
from publisher.rendering.theme import Theme as Theme

Target = Literal["epub", "pdf"]
Kind = Literal[
    "cover", "title", "toc", "glance", "news", "section", "document", "sources", "colophon"
]


@dataclass(frozen=True, slots=True)
class Part:
    """One rendered piece of a publication: an XHTML fragment rooted in one element."""

    name: str
    """Stable name: the EPUB file stem and the fragment's id."""
    kind: Kind
    """What the part is."""
    title: str
    """Title for navigation."""
    lang: str
    """Language of the part."""
    html: str
    """The fragment: one well-formed XHTML element."""
    document: Document | None = None
    """The document the part shows, for document parts."""
    section: Section | None = None
    """The section the part opens or belongs to."""
    entry: Entry | None = field(default=None)
    """The entry the document belongs to, for document parts."""
    titles: tuple[tuple[str, str], ...] = ()
    """(language, title) of every variant the navigation lists for the part, when several."""
    listed: bool = True
    """False for a later variant of an entry the navigation lists once, at its lead."""


def part_name(doc: Document) -> str:
    """The part name (and anchor) of a document."""
    return f"doc-{doc.id}"


def section_name(section: Section) -> str:
    """The part name (and anchor) of a section divider: a slug safe as a file name and an id."""
    slug = re.sub(r"[^a-z0-9]+", "-", section.key.lower()).strip("-")
    if slug != section.key:
        # Keys that differ only in case or punctuation ("Foreign Policy", "foreign-policy")
        # must still give distinct files.
        digest = hashlib.sha256(section.key.encode()).hexdigest()[:8]
        slug = f"{slug}-{digest}" if slug else digest
    return f"section-{slug}"


def environment(theme: Theme, target: Target) -> jinja2.Environment:
    """The Jinja2 environment: autoescaped, strict, user templates first."""
    cover = theme.cover_template
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [
                jinja2.FileSystemLoader([str(p) for p in theme.all_template_dirs]),
                jinja2.FunctionLoader(
                    lambda name: (
                        cover.read_text(encoding="utf-8")
                        if cover is not None and name == COVER_TEMPLATE
                        else None
                    )
                ),
            ]
        ),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    labels = theme.labels
    env.globals.update(
        target=target,
        labels=labels,
        label=labels.label,
        field=labels.field,
        byline=functools.partial(byline, labels),
        long_date=i18n.long_date,
        updated=identity.updated,
        language_name=i18n.language_name,
        is_rtl=i18n.is_rtl,
        only_in=functools.partial(i18n.only_in, labels=labels),
        href=_epub_href if target == "epub" else _pdf_href,
        part_name=part_name,
        section_name=section_name,
        # The EPUB shows the logo and the cover on its cover image, drawn from the print cover.
        logo=data_uri(theme.logo) if theme.logo is not None and target == "pdf" else None,
        cover_image=(
            data_uri(theme.cover)
            if theme.cover is not None and is_image(theme.cover) and target == "pdf"
            else None
        ),
        title_template=COVER_TEMPLATE if cover is not None and target == "pdf" else "title.xhtml",
    )
    env.filters["safe_body"] = Markup
    return env


def byline(labels: i18n.Labels, doc: Document) -> Markup:
    """A document's byline, each name linked where it has a URL: "By <a>Jane Doe</a> and …"."""
    # Babel joins stand-ins, so that the names can be marked up after the text is escaped.
    stand_ins = [f"\ue000{n}\ue001" for n in range(len(doc.authors))]
    text = str(escape(labels.byline(doc.lang, stand_ins)))
    for stand_in, author in zip(stand_ins, doc.authors, strict=True):
        name = (
            Markup('<a class="author" rel="author" href="{}">{}</a>')
            if author.url
            else Markup('<span class="author">{1}</span>')
        ).format(author.url, author.name)
        text = text.replace(stand_in, name)
    return Markup(text)


def _epub_href(part: str, anchor: str | None = None) -> str:
    return f"{part}.xhtml#{anchor}" if anchor else f"{part}.xhtml"


def _pdf_href(part: str, anchor: str | None = None) -> str:
    return f"#{anchor or part}"


def render(
    compilation: Compilation,
    env: jinja2.Environment,
    layout: str = "book",
    mode: bilingual.Mode | None = None,
    secondary: Sequence[str] = (),
) -> list[Part]:
    """Render every part of a compilation, in reading order, translations laid out by mode."""
    views = (
        {id(entry): bilingual.view(entry, mode, secondary) for entry in compilation.entries}
        if mode
        else {}
    )
    # A pair set together in one part is reached through its lead's part.
    holder = {
        doc.id: part_name(view.lead)
        for view in views.values()
        if view.paired
        for doc in view.shown[:2]
    }
    href = _epub_href if env.globals["target"] == "epub" else _pdf_href
    labels = cast(i18n.Labels, env.globals["labels"])

    def doc_href(doc: Document) -> str:
        return href(holder.get(doc.id, part_name(doc)))

    def variants(entry: Entry) -> tuple[Document, ...]:
        """The variants the publication shows, in order."""
        return views[id(entry)].shown if mode else entry.documents

    context = {
        "book": compilation,
        "layout": layout,
        "lang": compilation.lang,
        "bilingual": mode,
        "doc_href": doc_href,
        "variants": variants,
    }
    parts = [title(compilation, env, layout, context)]
    if layout == "brief":
        parts.append(
            _part(
                env,
                "glance.xhtml",
                "glance",
                "toc",
                labels.label(compilation.lang, "at_a_glance"),
                compilation.lang,
                context,
            )
        )
    else:
        parts.append(
            _part(
                env,
                "toc.xhtml",
                "toc",
                "toc",
                labels.label(compilation.lang, "contents"),
                compilation.lang,
                context,
            )
        )
    parts.extend(_news(env, compilation, labels, context))
    for section in compilation.sections:
        if section.title:
            parts.append(
                _part(
                    env,
                    "section.xhtml",
                    section_name(section),
                    "section",
                    section.title,
                    compilation.lang,
                    {**context, "section": section},
                    section=section,
                )
            )
        for entry in section.entries:
            if mode is None:
                parts.extend(
                    _document(env, context, section, entry, doc) for doc in entry.documents
                )
            else:
                parts.extend(_entry(env, context, section, entry, views[id(entry)], mode))
    parts.append(
        _part(
            env,
            "sources.xhtml",
            "sources",
            "sources",
            labels.label(compilation.lang, "sources"),
            compilation.lang,
            context,
        )
    )
    parts.append(
        _part(
            env,
            "colophon.xhtml",
            "colophon",
            "colophon",
            labels.label(compilation.lang, "colophon"),
            compilation.lang,
            context,
        )
    )
    return parts


def title(
    compilation: Compilation,
    env: jinja2.Environment,
    layout: str,
    context: dict[str, object] | None = None,
) -> Part:
    """The title page: in print, the cover (the theme's cover template when it has one)."""
    context = context or {"book": compilation, "layout": layout, "lang": compilation.lang}
    template = str(env.globals["title_template"])
    return _part(env, template, "title", "title", compilation.title, compilation.lang, context)


def _news(
    env: jinja2.Environment,
    compilation: Compilation,
    labels: i18n.Labels,
    context: dict[str, object],
) -> list[Part]:
    """The pages that list what is new and what is updated since an earlier release."""
    news = compilation.news
    if news is None:
        return []
    lang = compilation.lang
    parts = []
    for name, key, docs in (
        ("new-since", "new_since", news.added),
        ("updated-since", "updated_since", news.updated),
    ):
        if docs:
            title = labels.label(lang, key, version=news.since)
            values = {**context, "title": title, "docs": docs, "updates": key == "updated_since"}
            parts.append(_part(env, "news.xhtml", name, "news", title, lang, values))
    return parts


def _document(
    env: jinja2.Environment,
    context: dict[str, object],
    section: Section,
    entry: Entry,
    doc: Document,
) -> Part:
    """One variant of an entry as a document part of its own."""
    html = env.get_template("document.xhtml").render(
        **context, section=section, entry=entry, doc=doc
    )
    return Part(part_name(doc), "document", doc.title, doc.lang, html, doc, section, entry)


def _entry(
    env: jinja2.Environment,
    context: dict[str, object],
    section: Section,
    entry: Entry,
    view: bilingual.View,
    mode: bilingual.Mode,
) -> list[Part]:
    """An entry's parts in a bilingual layout: the navigation lists it once, with every title."""
    titles = tuple((doc.lang, doc.title) for doc in view.shown) if len(view.shown) > 1 else ()
    if view.paired:
        lead, partner = view.lead, view.partner
        html = env.get_template(f"entry-{mode}.xhtml").render(
            **context, section=section, entry=entry, view=view, lead=lead, partner=partner
        )
        first = Part(part_name(lead), "document", lead.title, lead.lang, html, lead, section, entry)
        rest = view.shown[2:]
    else:
        first = _document(env, context, section, entry, view.lead)
        rest = view.shown[1:]
    later = (_document(env, context, section, entry, doc) for doc in rest)
    return [
        dataclasses.replace(first, titles=titles),
        *(dataclasses.replace(part, listed=False) for part in later),
    ]


def _part(
    env: jinja2.Environment,
    template: str,
    name: str,
    kind: Kind,
    title: str,
    lang: str,
    context: dict[str, object],
    section: Section | None = None,
) -> Part:
    html = env.get_template(template).render(**context, name=name)
    return Part(name, kind, title, lang, html, section=section)


def page(
    env: jinja2.Environment,
    part: Part,
    stylesheets: Sequence[str],
    epub_type: str = "",
    role: str = "",
) -> str:
    """A part wrapped in a complete XHTML document (one EPUB content file).

    ``epub_type`` and the ARIA ``role`` that matches it say what the part is in the book.
    """
    return env.get_template("page.xhtml").render(
        part=part,
        stylesheets=stylesheets,
        epub_type=epub_type,
        role=role,
        dir="rtl" if i18n.is_rtl(part.lang) else "ltr",
    )
