"""Line breaks inside paragraphs: removed between CJK characters, a space everywhere else."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from publisher.build import load
from publisher.normalizing.markup import convert

# Two Han, kana or CJK punctuation characters with a line break between them.
_CJK = "\u3000-\u30ff\u3400-\u9fff\uff00-\uff60"
_SPACED = re.compile(f"[{_CJK}][ \t]*\n\\s*[{_CJK}]")


def body(text: str, lang: str, body_format: str = "markdown") -> str:
    fmt = "html" if body_format == "html" else "markdown"
    return convert(text, fmt, lang=lang, path="t.md", first_line=1, anchor_prefix="").body


@pytest.fixture(scope="module")
def glossary(sample_corpus: Path) -> dict[str, list[str]]:
    """The glossary's bodies by language folder."""
    folder = sample_corpus / "bilingual" / "cncf-glossary"
    loaded = load([str(folder)])
    found: dict[str, list[str]] = {}
    for doc in loaded.documents:
        found.setdefault(doc.path.split("/")[0], []).append(doc.body)
    return found


def test_japanese_and_chinese_sentences_on_separate_lines_join_without_a_space(
    glossary: dict[str, list[str]], sample_corpus: Path
) -> None:
    source = (sample_corpus / "bilingual/cncf-glossary/ja/cluster.md").read_text(encoding="utf-8")
    assert "されます。\nこれは" in source  # the source breaks its lines between sentences
    cluster = next(b for b in glossary["ja"] if "クラスターは、" in b)
    assert "されます。これは" in cluster
    for lang in ("ja", "zh-cn"):
        assert len(glossary[lang]) >= 8
        for text in glossary[lang]:
            assert not _SPACED.search(text), (lang, _SPACED.search(text))


def test_korean_keeps_a_space_where_its_lines_break(glossary: dict[str, list[str]]) -> None:
    # Korean separates words with spaces, so CSS Text 3 excludes Hangul from the rule.
    assert any(re.search("[\uac00-\ud7a3.]\n[\uac00-\ud7a3]", text) for text in glossary["ko"])


@pytest.mark.parametrize(
    ("source", "lang", "expected"),
    [
        ("一行目。\n二行目。", "ja", "<p>一行目。二行目。</p>"),
        # Across inline elements and the spaces around the break.
        ("**強調**  \t\nの後。", "ja", "<strong>強調</strong>の後。"),
        (
            "見る。\n[リンク](https://example.com/)です",
            "ja",
            '見る。<a href="https://example.com/">',
        ),
        # An ambiguous-width quotation mark joins in Chinese and Japanese text…
        ("他说“好”\n然后走了。", "zh-Hans", "<p>他说“好”然后走了。</p>"),
        # …but not in text of another language, where the rule is not for it.
        ("“Quoted”\n然后", "en", "<p>“Quoted”\n然后</p>"),
        # Latin on either side keeps the space.
        ("Kubernetes\nに適用", "ja", "<p>Kubernetes\nに適用</p>"),
        ("適用\nKubernetes", "ja", "<p>適用\nKubernetes</p>"),
        ("English\nlines", "en", "<p>English\nlines</p>"),
        ("한국어 문장.\n다음 문장.", "ko", "<p>한국어 문장.\n다음 문장.</p>"),
        # Inline code ends the run: a break next to it stays.
        ("日本\n`コード`\n日本", "ja", "<p>日本\n<code>コード</code>\n日本</p>"),
    ],
)
def test_segment_breaks(source: str, lang: str, expected: str) -> None:
    assert expected in body(source, lang)


def test_code_blocks_and_hard_breaks_keep_their_lines() -> None:
    fenced = body("```\n日本\n日本\n```\n\n行一  \n行二", "ja")
    assert '日本\n</span><span class="line">日本' in fenced
    assert "行一<br/>\n行二" in fenced or "行一<br/>行二" in fenced


def test_html_bodies_join_too() -> None:
    assert "<p>一行目。二行目。</p>" in body("<p>一行目。\n   二行目。</p>", "ja", "html")
