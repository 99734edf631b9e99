"""Front matter: find YAML (``---``), TOML (``+++``) or JSON (``{``) and load it within limits.

In: a decoded text with ``\n`` newlines. Out: the mapping, the line of each key and where the body
starts, or an ``Unusable`` that says on which line and why.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import frontmatter
import yaml
from frontmatter.default_handlers import BaseHandler, YAMLHandler

from publisher.reading import limits
from publisher.reading.problems import Note, Unusable, line_at

try:
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # PyYAML built without libyaml: same results, slower
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]

MAX_FRONT_MATTER = limits.FRONT_MATTER_BYTES
"""Largest front matter in bytes of UTF-8."""
MAX_NESTING = limits.FRONT_MATTER_NESTING
"""Deepest YAML nesting accepted."""

_TOML_POSITION = re.compile(r" \(at (?:line (\d+), column \d+|end of document)\)$")

# python-frontmatter's handlers recognise and split delimited front matter, but with this reader's
# boundaries: theirs (`^-{3,}\s*$`, `^\+{3,}\s*$`) also take four or more dashes (a Markdown
# thematic break), a no-break space after the delimiter, and the blank lines after it, which
# would shift every line number below. A boundary here is the three characters, then spaces or
# tabs; YAML's end-of-document marker `...` closes front matter too, as in Pandoc and Jekyll,
# but cannot open it.
_YAML = YAMLHandler(re.compile(r"^(?:---|(?!\A)\.\.\.)[ \t]*$", re.MULTILINE))
# frontmatter.TOMLHandler exists only where the `toml` package is installed, to load with it;
# tomllib loads here, so a plain handler carries the boundary.
_TOML = BaseHandler(re.compile(r"^\+\+\+[ \t]*$", re.MULTILINE), "+++", "+++")
_DELIMITED = (_YAML, _TOML)


class FrontMatter(NamedTuple):
    """Front matter split off a text."""

    meta: dict[str, Any]
    key_lines: dict[str, int]
    body: str
    body_line: int
    notes: list[Note]


class _Loader(_SafeLoader):
    """The safe loader, with a clear refusal of tags such as ``!!python/object``."""


def _refuse_tag(loader: _Loader, node: yaml.Node) -> Any:
    """Stand in for the constructor of any tag the safe loader does not know."""
    tag = node.tag.replace("tag:yaml.org,2002:", "!!")
    problem = f"tag {tag} is not allowed; front matter holds plain data only"
    raise yaml.constructor.ConstructorError(None, None, problem, node.start_mark)


def _timestamp(loader: _Loader, node: yaml.ScalarNode) -> Any:
    """A date or time, or the text as written when no calendar has it (``2021-02-30``)."""
    try:
        return loader.construct_yaml_timestamp(node)
    except (ValueError, OverflowError):
        return loader.construct_scalar(node)


# YAML 1.2's core schema instead of 1.1's, whose typing loses what was written: `title: 1:20`
# was 80 (base 60), `012` was 10, `yes` was True and `=` or `<<` failed to load at all. Only
# numbers that read back as written stay numbers; everything else is text.
_TYPED = (
    ("bool", "^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("int", "^[-+]?(?:0|[1-9][0-9]*)$", "-+0123456789"),
    ("float", r"^[-+]?(?:0|[1-9][0-9]*)\.(?:0|[0-9]*[1-9])$", "-+0123456789"),
)
_Loader.yaml_implicit_resolvers = {
    first: [
        (tag, pattern)
        for tag, pattern in resolvers
        if tag.rsplit(":", 1)[1] in ("null", "timestamp")
    ]
    for first, resolvers in _SafeLoader.yaml_implicit_resolvers.items()
}
for _name, _pattern, _firsts in _TYPED:
    _Loader.add_implicit_resolver(f"tag:yaml.org,2002:{_name}", re.compile(_pattern), list(_firsts))
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)
_Loader.add_constructor(None, _refuse_tag)


def split(text: str) -> FrontMatter | None:
    """Split YAML (``---``), TOML (``+++``) or JSON (``{``) front matter off the text, if any."""
    # Blank lines may come first; a handler detects at the start of what it is given, which is why
    # frontmatter.parse strips the text, and line numbers need the offset.
    offset = text.rfind("\n", 0, len(text) - len(text.lstrip())) + 1
    first = line_at(text, offset)
    head = text[offset:]
    # JSONHandler wants `{` and `}` alone on their lines and cuts at the first `}` line, so a
    # one-line object, or a nested one that ends at the start of a line, would be lost; here the
    # JSON decoder itself says where the object ends.
    if head.startswith("{"):
        return _json(text, offset)
    handler = frontmatter.detect_format(head, _DELIMITED)
    if handler is None:
        return None
    try:
        fm, content = handler.split(head)
    except ValueError:  # python-frontmatter's reply to an opening delimiter with no closing one
        message = f"front matter opened with '{handler.START_DELIMITER}' is never closed"
        raise Unusable(first, "front-matter-unterminated", message) from None
    # Boundaries end before their newline: fm runs from the end of the opening line to the start
    # of the closing one, and the content from the end of the closing line.
    source = fm[1:-1]
    _check_size(source, first)
    # The handlers' own loaders are not used: YAMLHandler.load is PyYAML's SafeLoader with none of
    # the refused tags, YAML 1.2 typing, alias and nesting limits or key lines of ``_yaml``, and
    # TOMLHandler.load needs `toml`, which parses older TOML than tomllib.
    load = _yaml if handler is _YAML else _toml
    meta, key_lines, notes = load(source, first + 1)
    return FrontMatter(meta, key_lines, content[1:], first + fm.count("\n") + 1, notes)


def _check_size(source: str, line: int) -> None:
    """Refuse front matter over the cap: no real one comes close, an attack would."""
    if len(source.encode("utf-8", "surrogatepass")) > MAX_FRONT_MATTER:
        message = f"front matter is larger than {MAX_FRONT_MATTER // 1000} KB"
        raise Unusable(line, "front-matter-too-large", message)


def _yaml(source: str, first: int) -> tuple[dict[str, Any], dict[str, int], list[Note]]:
    """Load YAML front matter whose first line is line ``first`` of the file."""
    meta: dict[str, Any] = {}
    key_lines: dict[str, int] = {}
    notes: list[Note] = []
    lines = _yaml_lines(source, first)
    try:
        _check_events(source, lines)
        loader = _Loader(source)
        try:
            node = loader.get_single_node()
            if node is None:
                return meta, key_lines, notes
            if not isinstance(node, yaml.MappingNode):
                kind = "list" if isinstance(node, yaml.SequenceNode) else "single value"
                message = f"front matter must be a mapping of keys to values, not a {kind}"
                raise Unusable(
                    _at(lines, node.start_mark.line), "front-matter-not-mapping", message
                )
            loader.flatten_mapping(node)
            for key_node, value_node in node.value:
                line = _at(lines, key_node.start_mark.line)
                if not isinstance(key_node, yaml.ScalarNode):
                    raise Unusable(
                        line, "front-matter-invalid", "invalid front matter: key is not text"
                    )
                # The key as written: PyYAML would turn `yes:` into True and `2021:` into 2021.
                key = key_node.value
                if key in key_lines:
                    message = f"key '{key}' is repeated; the value on this line wins"
                    notes.append(Note(line, "duplicate-key", message))
                try:
                    meta[key] = loader.construct_object(value_node, deep=True)
                except (ValueError, OverflowError) as exc:  # e.g. a timestamp out of range
                    message = f"invalid front matter: bad value for '{key}': {exc}"
                    raise Unusable(line, "front-matter-invalid", message) from None
                except (LookupError, AttributeError):  # PyYAML's reply to e.g. `!!bool maybe`
                    message = f"invalid front matter: the value of '{key}' does not fit its tag"
                    raise Unusable(line, "front-matter-invalid", message) from None
                key_lines[key] = line
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = _at(lines, mark.line) if mark else first
        message = f"invalid front matter: {exc.problem or exc.context}"
        if exc.problem and exc.context and exc.context_mark:
            message += f" ({exc.context} started on line {_at(lines, exc.context_mark.line)})"
        raise Unusable(line, "front-matter-invalid", message) from None
    except yaml.reader.ReaderError as exc:
        line = first - 1 + line_at(source, source.find(chr(exc.character)))
        message = f"invalid front matter: character U+{exc.character:04X} is not allowed"
        raise Unusable(line, "front-matter-invalid", message) from None
    return meta, key_lines, notes


def _check_events(source: str, lines: list[int]) -> None:
    """Refuse aliases and deep nesting before anything is built from the YAML."""
    depth = 0
    for event in yaml.parse(source, Loader=_Loader):
        line = _at(lines, event.start_mark.line) if event.start_mark else lines[0]
        if isinstance(event, yaml.AliasEvent):
            # A few lines of nested aliases expand to billions of values downstream.
            message = "front matter uses a YAML alias (*name); write the value out instead"
            raise Unusable(line, "yaml-aliases", message)
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_NESTING:
                message = f"invalid front matter: nested more than {MAX_NESTING} levels deep"
                raise Unusable(line, "front-matter-invalid", message)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _yaml_lines(source: str, first: int) -> list[int]:
    """File line of each line as YAML counts them, which is also at NEL, LS and PS."""
    lines = [first]
    for brk in re.finditer("[\n\x85\u2028\u2029]", source):
        lines.append(lines[-1] + (brk[0] == "\n"))
    # libyaml may place the end of the stream one line further: the closing delimiter.
    lines.append(lines[-1] + 1)
    return lines


def _at(lines: list[int], yaml_line: int) -> int:
    """File line of a 0-based line as YAML counts them."""
    return lines[min(yaml_line, len(lines) - 1)]


def _toml(source: str, first: int) -> tuple[dict[str, Any], dict[str, int], list[Note]]:
    """Load TOML front matter whose first line is line ``first`` of the file."""
    try:
        meta = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        where = _TOML_POSITION.search(str(exc))
        line = first + int(where[1]) - 1 if where and where[1] else first + source.count("\n") + 1
        problem = str(exc)[: where.start()] if where else str(exc)
        raise Unusable(line, "front-matter-invalid", f"invalid front matter: {problem}") from None

    def pattern(key: str) -> str:
        k = re.escape(key)
        return (
            rf"^[ \t]*(?:{k}|\"{k}\"|'{k}')[ \t]*[=.]|^[ \t]*\[\[?[ \t]*(?:{k}|\"{k}\")[ \t]*[\].]"
        )

    return meta, _find_keys(meta, source, first, pattern), []


def _json(text: str, offset: int) -> FrontMatter:
    """Split off a JSON object that starts at ``offset`` and ends its line."""
    first = line_at(text, offset)
    try:
        meta, end = json.JSONDecoder().raw_decode(text, offset)
    except json.JSONDecodeError as exc:
        message = f"invalid front matter: {exc.msg}"
        raise Unusable(exc.lineno, "front-matter-invalid", message) from None
    except RecursionError:
        message = "invalid front matter: nested too deeply"
        raise Unusable(first, "front-matter-invalid", message) from None
    source = text[offset:end]
    _check_size(source, first)
    tail, _, body = text[end:].partition("\n")
    if tail.strip():
        message = "invalid front matter: text after the JSON object on its last line"
        raise Unusable(line_at(text, end), "front-matter-invalid", message)
    key_lines = _find_keys(
        meta, source, first, lambda key: re.escape(json.dumps(key, ensure_ascii=False)) + r"\s*:"
    )
    return FrontMatter(meta, key_lines, body, line_at(text, end) + 1, [])


def _find_keys(
    meta: Mapping[str, Any], source: str, first: int, pattern: Callable[[str], str]
) -> dict[str, int]:
    """Line of the first place that matches each key's pattern: a scan, not a parse."""
    lines = {}
    for key in meta:
        if found := re.search(pattern(key), source, re.MULTILINE):
            lines[key] = first - 1 + line_at(source, found.start())
    return lines
