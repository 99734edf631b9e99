"""Words and URLs of 10,000 characters, in text and in table cells, are wrapped within the page.

How long they take is measured by ``bench/long_tokens.py``, not here.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pypdf
import pytest
from test_epub import build, built

LENGTH = 10_000
# Letters without a pattern a hyphenation dictionary knows, the same every run.
TOKEN = "".join("bcdfghjklmnpqrstvwxz"[(i * 7 + i // 20) % 20] for i in range(LENGTH))
URL = f"https://example.com/{TOKEN}"
SOURCE = f"""---
title: Long tokens
date: 2024-01-01
---
A word: {TOKEN} and on.

A link: {URL} and on.

| Token | Note |
|---|---|
| {TOKEN} | short |
"""


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("long-tokens")
    (folder / "long.md").write_text(SOURCE, encoding="utf-8")
    return folder


def test_the_pdf_wraps_every_token_inside_the_text_width(sources: Path, tmp_path: Path) -> None:
    out = tmp_path / "long.pdf"
    result = build(str(sources), "-f", "pdf", "--layout", "book", "-o", str(out), "--jobs", "0")
    assert result.exit_code == 0, result.output
    reader = pypdf.PdfReader(out)
    lines = [line for page in reader.pages for line in page.extract_text().splitlines()]
    letters = re.sub(r"[^a-z]+", "", "".join(lines).replace("\x00", ""))
    # Three copies of the token (and the link text) are printed whole.
    assert letters.count(TOKEN[:200]) >= 3
    token_lines = [line for line in lines if re.fullmatch(r"[a-z\u2010-]{40,}", line)]
    assert token_lines
    assert max(map(len, token_lines)) < 150


def test_the_epub_gives_every_token_break_points(sources: Path, tmp_path: Path) -> None:
    out = tmp_path / "long.epub"
    package = built(build(str(sources), "-f", "epub", "-o", str(out)), out)
    page = next(name for name in package.spine if "/doc-" in name)
    text = "".join(ET.fromstring(package.zip.read(page)).itertext())
    assert text.replace("\u200b", "").count(TOKEN) >= 3
    assert max(map(len, re.split(r"[\s\u200b]+", text))) <= 100
