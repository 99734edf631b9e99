"""Style sheets read with a CSS tokenizer: what is edited, and that nothing else moves a byte."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from publisher import css
from publisher.epub import styles as epub_styles
from publisher.model import Diagnostic


def url_to_none(value: css.Node, _: css.Source) -> str | None:
    return "none" if value.type == "url" or css.is_function(value, "url") else None


@pytest.mark.parametrize(
    ("sheet", "edited"),
    [
        ("a { b: url(x) }", "a { b: none }"),
        # Quotes, spaces, escapes and case inside the value go with it; nothing else moves.
        ("a{b:URL( 'x' )}c{d:u\\72l(x\\)y)}", "a{b:none}c{d:none}"),
        # Comments and strings are text, not values.
        ('/* url(x) */ a { content: "url(x)" }', '/* url(x) */ a { content: "url(x)" }'),
        ("@media print { @supports (x: y) { a { b: f(url(x)) } } }",
         "@media print { @supports (x: y) { a { b: f(none) } } }"),
        # Line ends as written: CR LF, CR and form feed count as one, as tinycss2 counts them.
        ("a {\r\n b: url(x);\r c: url(y);\f d: url(z) }",
         "a {\r\n b: none;\r c: none;\f d: none }"),
        # A sheet cut short ends wherever the tokenizer says it does.
        ("a { b: url(x", "a { b: none"),
        ("a { b: f(url(x)", "a { b: f(none"),
        # A bad URL (a space inside) is no URL for CSS, and none here.
        ("a { b: url(x y) }", "a { b: url(x y) }"),
    ],
)  # fmt: skip
def test_an_edit_replaces_the_values_it_names_and_keeps_all_else(sheet: str, edited: str) -> None:
    assert css.edit(sheet, url_to_none) == edited


def test_an_edit_can_keep_the_text_of_a_values_parts_as_written() -> None:
    def rename(value: css.Node, source: css.Source) -> str | None:
        if not css.is_function(value, "f"):
            return None
        return f"g({source(css.arguments(value, written=True)[1])})"

    assert css.edit("x: f(1, 'a' /* b */ \\62 ) y", rename) == "x: g( 'a' /* b */ \\62 ) y"


# --- EPUB: the files a theme's sheet names -----------------------------------------------------


def test_a_sheet_is_packed_as_written_but_for_what_it_cannot_name(tmp_path: Path) -> None:
    (tmp_path / "img").mkdir()
    Image.new("RGB", (4, 4), "red").save(tmp_path / "img" / "mark.png")
    sheet = tmp_path / "theme.css"
    sheet.write_bytes(
        b"/* Old: url(img/gone.png), and a 'quote\r\n   over two lines. */\r\n"
        b'a::before { content: "url(img/none.png)"; }\r\n'
        b"@media screen { @supports (display: grid) {\r\n"
        b"  blockquote { background: URL( 'img/mark.png' ) no-repeat; }\r\n"
        b"  hr { background: url(img/gone.png); }\r\n"
        b"} }\r\n"
    )
    problems: list[Diagnostic] = []
    packed = epub_styles.pack([sheet], problems)
    assert [(p.name, p.media_type) for p in packed] == [
        ("styles/theme.css", "text/css"),
        ("styles/img/mark.png", "image/png"),
    ]
    assert packed[0].data == sheet.read_bytes().replace(b"url(img/gone.png);", b"none;")
    assert [(p.line, p.code) for p in problems] == [(6, "style-resource")]
