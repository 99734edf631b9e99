"""Style sheets read with a CSS tokenizer: what is edited, and that nothing else moves a byte."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from publisher import css
from publisher.epub import styles as epub_styles
from publisher.model import Diagnostic
from publisher.normalizing import images
from publisher.pdf import plan as pdf_plan
from publisher.pdf import stamp as pdf_stamp
from publisher.rendering import render

PAGE, PAGES, TARGET = pdf_stamp.PAGE_MARK, pdf_stamp.PAGES_MARK, pdf_plan.TARGET


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


# --- PDF: page counters in units ---------------------------------------------------------------


def test_page_counters_become_marks_in_values_only() -> None:
    sheet = (
        "/* counter(page) of counter(pages) */\n"
        "@page { @bottom-center { content: counter(page) ' of ' counter(pages, decimal) } }\n"
        '.a::after { content: "counter(page)" counter(page, lower-roman) COUNTER(page) }\n'
    )
    assert pdf_stamp.mark_counters(sheet) == (
        "/* counter(page) of counter(pages) */\n"
        f'@page {{ @bottom-center {{ content: "{PAGE}" \' of \' "{PAGES}" }} }}\n'
        f'.a::after {{ content: "counter(page)" counter(page, lower-roman) "{PAGE}" }}\n'
    )


def test_links_page_numbers_read_the_target_counter_and_keep_their_style() -> None:
    sheet = (
        ".a::after { content: target-counter(attr(href url), page); }\n"
        ".b::after { content: leader('.') target-counter( attr(href) , page , toc-page ); }\n"
        '.c::after { content: "target-counter(attr(href), page)"; }\n'
    )
    assert pdf_plan.rewrite(sheet) == (
        f".a::after {{ content: counter({TARGET}); }}\n"
        f".b::after {{ content: leader('.') counter({TARGET}, toc-page ); }}\n"
        '.c::after { content: "target-counter(attr(href), page)"; }\n'
    )


@pytest.mark.parametrize(
    "value",
    [
        "counters(page, '.')",
        "counter(page, lower-roman)",
        "target-counter(attr(data-x), page)",
        "target-counters(attr(href), section, '.')",
        "target-text(attr(href))",
        "Target-Text(attr(href))",
        "COUNTER(page, lower-roman)",
        r"\74 arget-text(attr(href))",
    ],
)
def test_counting_pages_as_units_cannot_asks_for_one_pass(value: str) -> None:
    assert pdf_plan.rewrite(f"@page {{ @top-left {{ content: {value} }} }}") is None


def test_a_sheet_that_counts_nothing_is_given_back_as_it_is() -> None:
    sheet = "@page { size: A4 } .doc { string-set: title content() }\n"
    assert pdf_plan.rewrite(sheet) is sheet


def test_page_counting_in_comments_and_strings_keeps_units() -> None:
    sheet = '/* target-text(attr(href)) counters(page) */ a::before { content: "target-text(" }\n'
    assert pdf_plan.rewrite(sheet) == sheet


def test_the_built_in_sheets_change_only_where_they_count_pages() -> None:
    for path in sorted(render.BUILTIN_STYLES.glob("*.css")):
        text = path.read_text(encoding="utf-8")
        expected = (
            text.replace("target-counter(attr(href url), page)", f"counter({TARGET})")
            .replace("target-counter(attr(href url), page,", f"counter({TARGET},")
            .replace("counter(pages)", f'"{PAGES}"')
            .replace("counter(page)", f'"{PAGE}"')
        )
        assert pdf_plan.rewrite(text) == expected, path.name


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


# --- SVG images: references out of the image ---------------------------------------------------

SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4">{}</svg>'


@pytest.mark.parametrize(
    "inside",
    [
        '<rect width="4" height="4" fill="url(#g)" transform="rotate(45)"/>',
        '<style>rect { fill: url("#g"); font-family: "A (b)" }</style><rect width="4"/>',
    ],
)
def test_an_svg_that_names_only_its_own_parts_is_taken(inside: str, tmp_path: Path) -> None:
    path = tmp_path / "plain.svg"
    path.write_text(SVG.format(inside))
    images.check_file(path)


@pytest.mark.parametrize(
    "inside",
    [
        # CSS escapes spell the same function and rule as plain letters do.
        '<rect width="4" style="fill: \\75 rl(https://example.com/a.svg#g)"/>',
        "<style>@\\69mport 'https://example.com/a.css';</style>",
        # image-set() takes URLs as plain strings.
        '<style>rect { background: image-set("https://example.com/a.png" 1x) }</style>',
        # A pattern over the text refuses even what a comment holds: other parsers read SVG too.
        "<style>/* url(https://example.com/a.png) */</style>",
    ],
)
def test_an_svg_that_may_reach_out_is_refused(inside: str, tmp_path: Path) -> None:
    path = tmp_path / "out.svg"
    path.write_text(SVG.format(inside))
    with pytest.raises(images.Refused, match="refers to another file"):
        images.check_file(path)
