"""Style sheets read with a CSS tokenizer: what is edited, and that nothing else moves a byte."""

from __future__ import annotations

import pytest

from publisher import css


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
