"""The label catalogs: complete in every language, read with Babel, found by BCP 47 tag, and
overridden or extended by a project's own catalogs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from publisher import i18n
from publisher.projects import config

LANGUAGES = (
    "en", "es", "fr", "de", "it", "pt", "ru", "uk", "ja", "zh-Hans", "zh-Hant", "ko",
    "ar", "he", "hi", "bn", "tr", "vi",
)  # fmt: skip
# Keys other code asks for: the admonitions, the byline, the image placeholder.
REQUIRED_KEYS = (
    "note", "tip", "important", "warning", "caution", "by", "and", "image_not_included",
    "published", "source", "contents", "at_a_glance", "page_of", "documents",
)  # fmt: skip


def _po(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, abort_invalid=True)


def _messages(catalog: Catalog) -> dict[str | None, Message]:
    return {message.context: message for message in catalog if message.id}


def _texts(value: object) -> tuple[str, ...]:
    """A message's id or string: one text, or its plural forms."""
    return tuple(map(str, value)) if isinstance(value, tuple | list) else (str(value),)


TEMPLATE = _messages(_po(i18n.LOCALES / "publisher.pot"))


def test_the_template_holds_the_keys_other_code_asks_for() -> None:
    assert set(REQUIRED_KEYS) <= set(TEMPLATE)
    assert None not in TEMPLATE, "every message has its key in msgctxt"


def test_every_language_asked_for_has_a_catalog() -> None:
    assert set(LANGUAGES) <= set(i18n.BUILTIN.languages)


@pytest.mark.parametrize("lang", i18n.BUILTIN.languages)
def test_every_label_is_in_every_catalog_translated(lang: str) -> None:
    path = i18n.LOCALES / lang.replace("-", "_") / "LC_MESSAGES" / "publisher.po"
    catalog = _po(path)
    messages = _messages(catalog)
    assert set(messages) == set(TEMPLATE), "no label missing, none unknown"
    assert catalog.num_plurals == get_plural(lang.replace("-", "_")).num_plurals
    for key, message in messages.items():
        english = TEMPLATE[key]
        assert _texts(message.id) == _texts(english.id), key
        assert not message.fuzzy, key
        forms = _texts(message.string)
        assert all(forms), f"{key} is not translated"
        if message.pluralizable:
            assert len(forms) == catalog.num_plurals, key
        wanted = set().union(*map(i18n.placeholders, _texts(english.id)))
        for form in forms:
            found = i18n.placeholders(form)
            # A plural form may say its number in words ("מסמך אחד"); a label says everything.
            assert found <= wanted if message.pluralizable else found == wanted, (key, form)
    assert i18n.read_catalog(path).messages.keys() == messages.keys()


def test_english_labels_are_the_ones_the_code_printed() -> None:
    assert i18n.label("en", "published") == "Published"
    assert i18n.field("en", "source") == "Source:"
    assert i18n.field("fr", "source") == "Source\u00a0:"
    assert i18n.label("en", "documents", count=1) == "1 document"
    assert i18n.label("en", "documents", count=0) == "0 documents"
    assert i18n.label("en", "page_of", page=2, pages=9) == "Page 2 of 9"
    generated = i18n.label("en", "generated", date="May 1, 2024")
    assert generated == "Compiled with Publisher on May 1, 2024."


@pytest.mark.parametrize(
    ("lang", "published", "source"),
    [
        ("ja", "公開日", "出典"),
        ("ja-JP", "公開日", "出典"),
        ("zh-CN", "发布日期", "来源"),
        ("zh-cn", "发布日期", "来源"),
        ("zh-SG", "发布日期", "来源"),
        ("zh-Hans", "发布日期", "来源"),
        ("zh", "发布日期", "来源"),
        ("zh-TW", "發布日期", "來源"),
        ("zh-HK", "發布日期", "來源"),
        ("zh-Hant-TW", "發布日期", "來源"),
        ("ko", "발행일", "출처"),
        ("pt-BR", "Publicado", "Fonte"),
        ("es-MX", "Publicado", "Fuente"),
        ("x-unknown", "Published", "Source"),
        ("tlh", "Published", "Source"),
    ],
)
def test_languages_are_found_by_their_tag(lang: str, published: str, source: str) -> None:
    assert (i18n.label(lang, "published"), i18n.label(lang, "source")) == (published, source)


def test_counts_take_the_plural_form_of_their_language() -> None:
    def counted(lang: str, *counts: int) -> list[str]:
        return [i18n.label(lang, "documents", count=n) for n in counts]

    assert counted("ru", 1, 3, 5, 21) == [
        "1 документ",
        "3 документа",
        "5 документов",
        "21 документ",
    ]
    assert counted("ar", 1, 2, 3, 11, 100) == [
        "وثيقة واحدة",
        "وثيقتان",
        "3 وثائق",
        "11 وثيقة",
        "100 وثيقة",
    ]
    assert counted("he", 1, 2, 7) == ["מסמך אחד", "שני מסמכים", "7 מסמכים"]
    assert counted("fr", 0, 1, 2) == ["0 document", "1 document", "2 documents"]
    assert counted("ja", 1, 73) == ["1件の文書", "73件の文書"]


def test_a_byline_joins_names_as_the_language_does() -> None:
    labels = i18n.BUILTIN
    assert labels.byline("en", ["Jane Doe"]) == "By Jane Doe"
    assert labels.byline("en", ["A", "B", "C"]) == "By A, B, and C"
    assert labels.byline("es", ["Ana", "Luis"]) == "Por Ana y Luis"
    assert labels.byline("de", ["Ana", "Luis"]) == "Von Ana und Luis"
    assert labels.byline("ru", ["Анна"]) == "Автор: Анна"
    assert labels.byline("ru", ["Анна", "Иван"]) == "Авторы: Анна и Иван"
    assert labels.byline("ja", ["山田", "鈴木"]) == "著者: 山田、鈴木"


def test_an_unknown_label_is_an_error_not_a_blank() -> None:
    with pytest.raises(KeyError):
        i18n.label("en", "no-such-label")
    with pytest.raises(TypeError):
        i18n.label("en", "documents")


def _catalog(folder: Path, lang: str, entries: str, plural: str = "") -> Path:
    path = folder / lang / "LC_MESSAGES" / "publisher.po"
    path.parent.mkdir(parents=True)
    header = f'"Language: {lang}\\n"\n' + (f'"Plural-Forms: {plural}\\n"\n' if plural else "")
    path.write_text(f'msgid ""\nmsgstr ""\n{header}\n{entries}', encoding="utf-8")
    return path


def test_a_project_overrides_a_label_and_adds_a_language(tmp_path: Path) -> None:
    _catalog(tmp_path, "en", 'msgctxt "published"\nmsgid "Published"\nmsgstr "Issued"\n')
    _catalog(
        tmp_path,
        "sw",
        'msgctxt "contents"\nmsgid "Contents"\nmsgstr "Yaliyomo"\n\n'
        'msgctxt "documents"\nmsgid "{count} document"\nmsgid_plural "{count} documents"\n'
        'msgstr[0] "hati {count}"\nmsgstr[1] "hati {count}"\n\n'
        '#, fuzzy\nmsgctxt "source"\nmsgid "Source"\nmsgstr "Chanzo?"\n\n'
        'msgctxt "my_label"\nmsgid "Desk"\nmsgstr "Dawati"\n',
        "nplurals=2; plural=(n != 1);",
    )
    labels = i18n.Labels((tmp_path,))
    assert labels.label("en-US", "published") == "Issued"
    assert labels.label("en", "contents") == "Contents"
    assert labels.label("sw", "contents") == "Yaliyomo"
    assert labels.label("sw-KE", "documents", count=3) == "hati 3"
    assert labels.label("sw", "source") == "Source", "a fuzzy label is not used"
    assert labels.label("sw", "published") == "Issued", "missing labels come from English"
    assert labels.label("sw", "my_label") == "Dawati", "a project's templates may ask for its own"
    assert labels.label("es", "published") == "Publicado", "other languages keep theirs"
    assert "sw" in labels.languages
    assert i18n.check_catalogs(tmp_path) == []
    assert i18n.label("en", "published") == "Published", "the built-in labels are not touched"


def test_a_project_catalog_is_checked_where_it_would_fail(tmp_path: Path) -> None:
    _catalog(tmp_path, "es", 'msgctxt "page_of"\nmsgid "Page {page} of {pages}"\nmsgstr "{p}"\n')
    _catalog(tmp_path, "de", 'msgctxt "documents"\nmsgid "{count} document"\nmsgstr "{count}"\n')
    _catalog(tmp_path, "fr", 'msgctxt "contents\nmsgid "Contents"\n')
    (tmp_path / "notes").mkdir()
    (tmp_path / "it").mkdir()
    problems = "\n".join(i18n.check_catalogs(tmp_path))
    assert "'page_of' names {p}, which the label is not given" in problems
    assert "de/LC_MESSAGES/publisher.po: 'documents' has plural forms in English" in problems
    assert "fr/LC_MESSAGES/publisher.po: missing msgstr" in problems
    assert "notes: the folder is named after no language tag" in problems
    assert "it: holds no LC_MESSAGES/publisher.po" in problems


def test_the_config_names_a_locales_folder(tmp_path: Path) -> None:
    _catalog(tmp_path / "locales", "en", 'msgctxt "source"\nmsgid "Source"\nmsgstr "Origin"\n')
    (tmp_path / "publisher.toml").write_text('[theme]\nlocales = "locales"\n')
    loaded = config.load(tmp_path / "publisher.toml")
    assert loaded.theme.locale_dirs == (tmp_path / "locales",)
    assert loaded.theme.labels.field("en", "source") == "Origin:"


def test_a_bad_project_catalog_fails_the_config(tmp_path: Path) -> None:
    _catalog(tmp_path / "locales", "en", 'msgctxt "field"\nmsgid "{name}:"\nmsgstr "{label}:"\n')
    (tmp_path / "publisher.toml").write_text('[theme]\nlocales = "locales"\n')
    with pytest.raises(config.ConfigError) as error:
        config.load(tmp_path / "publisher.toml")
    (problem,) = error.value.diagnostics
    assert (problem.code, problem.line) == ("config-locales", 2)
    assert "names {label}" in problem.message


def test_the_shipped_catalogs_are_package_data() -> None:
    pyproject = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text()
    assert '"locales/*/LC_MESSAGES/*.po"' in pyproject
    assert i18n.LOCALES.parent == Path(i18n.__file__).parent


def test_a_changed_catalog_makes_every_edition_stale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from publisher.projects import project

    own = _catalog(tmp_path / "locales", "en", 'msgctxt "source"\nmsgid "Source"\nmsgstr "A"\n')
    (tmp_path / "publisher.toml").write_text('[theme]\nlocales = "locales"\n')
    built_in = tmp_path / "built-in"
    shutil.copytree(i18n.LOCALES, built_in)
    monkeypatch.setattr(i18n, "LOCALES", built_in)
    loaded = config.load(tmp_path / "publisher.toml", {})
    before = project._fingerprint(loaded, [])
    own.write_text(own.read_text().replace('msgstr "A"', 'msgstr "B"'))
    after = project._fingerprint(loaded, [])
    assert after != before
    with (built_in / "ja" / "LC_MESSAGES" / "publisher.po").open("a") as catalog:
        catalog.write('\nmsgctxt "extra"\nmsgid "Extra"\nmsgstr "追加"\n')
    assert project._fingerprint(loaded, []) != after
