"""A scan of the package's source for parser and template calls that trust their input."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "publisher"
_SAFE_YAML = {"SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader"}
# Every other loader PyYAML ships builds arbitrary Python objects from tags.
_UNSAFE_YAML = {
    "Loader",
    "CLoader",
    "FullLoader",
    "CFullLoader",
    "UnsafeLoader",
    "CUnsafeLoader",
    "unsafe_load",
    "unsafe_load_all",
    "full_load",
    "full_load_all",
}
# Modules that turn bytes into objects by running code the bytes name: nothing read from disk
# (the cache included) may go through them.
_CODE_LOADERS = {"pickle", "_pickle", "cPickle", "marshal", "shelve", "dill", "cloudpickle"}


def _dotted(node: ast.expr) -> str:
    """``a.b.c`` for a name or attribute chain, "" for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else ""
    return ""


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _is_constant(node: ast.expr | None, value: object) -> bool:
    return isinstance(node, ast.Constant) and node.value is value


def problems(source: str) -> list[str]:
    """Each unsafe use in one module's source, as ``line: what``."""
    tree = ast.parse(source)
    imported: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                imported[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                imported[alias.asname or alias.name.split(".")[0]] = alias.name.split(".")[0]

    def origin(node: ast.expr) -> str:
        """The fully qualified name an expression refers to, through the module's imports."""
        name = _dotted(node)
        head, _, rest = name.partition(".")
        full = imported.get(head, head)
        return f"{full}.{rest}" if rest else full

    safe_loaders = {n for n, full in imported.items() if full.split(".")[-1] in _SAFE_YAML}
    safe_loaders |= {f"yaml.{n}" for n in _SAFE_YAML}
    classes = [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]
    for cls in classes:  # one pass per class reaches a chain of subclasses in source order
        if any(_dotted(b) in safe_loaders or origin(b) in safe_loaders for b in cls.bases):
            safe_loaders.add(cls.name)

    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
            for name in names:
                if str(name).split(".")[0] in _CODE_LOADERS:
                    found.append(f"{node.lineno}: imports {name}, which runs code to load")
        if isinstance(node, ast.Name | ast.Attribute):
            full = origin(node)
            if full.startswith("yaml.") and full.split(".")[-1] in _UNSAFE_YAML:
                found.append(f"{node.lineno}: {full}")
        if not isinstance(node, ast.Call):
            continue
        full = origin(node.func)
        line = node.lineno
        if full in ("yaml.load", "yaml.load_all"):
            loader = _keyword(node, "Loader") or (node.args[1] if len(node.args) > 1 else None)
            if loader is None or _dotted(loader) not in safe_loaders:
                found.append(f"{line}: {full} without a safe Loader")
        elif full.startswith("lxml.") and full.split(".")[-1] in ("XMLParser", "HTMLParser"):
            if not _is_constant(_keyword(node, "resolve_entities"), False):
                found.append(f"{line}: {full} without resolve_entities=False")
        elif full.startswith("lxml.") and full.split(".")[-1] in ("fromstring", "XML", "parse"):
            if _keyword(node, "parser") is None and len(node.args) < 2:
                found.append(f"{line}: {full} with lxml's default parser")
        elif full in ("jinja2.Environment", "jinja2.sandbox.SandboxedEnvironment"):
            if not _is_constant(_keyword(node, "autoescape"), True):
                found.append(f"{line}: {full} without autoescape=True")
        elif full == "jinja2.Template":
            found.append(f"{line}: jinja2.Template does not autoescape")
        elif full in ("weasyprint.HTML", "weasyprint.CSS") and not _keyword(node, "url_fetcher"):
            found.append(f"{line}: {full} without url_fetcher=")
    return found


@pytest.mark.parametrize(
    "path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: p.relative_to(PACKAGE).as_posix()
)
def test_module_trusts_no_input(path: Path) -> None:
    """No module parses, templates or fetches with a library's trusting defaults."""
    assert problems(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "source",
    [
        "import yaml\nyaml.load(text)",
        "import yaml\nyaml.load(text, Loader=yaml.FullLoader)",
        "import yaml\nyaml.unsafe_load(text)",
        "from yaml import Loader\nLoader(text).get_single_data()",
        "import yaml\nclass L(yaml.Loader): pass\nyaml.load(text, Loader=L)",
        "from lxml import etree\netree.XMLParser()",
        "from lxml import etree\netree.XMLParser(resolve_entities=True)",
        "from lxml import etree\netree.fromstring(data)",
        "import jinja2\njinja2.Environment(loader=x)",
        "from jinja2 import Environment\nEnvironment(autoescape=False)",
        "from weasyprint import HTML\nHTML(string=s).write_pdf()",
        "import weasyprint\nweasyprint.CSS(string=s)",
        "import pickle\npickle.load(stream)",
        "from marshal import loads",
        "import shelve as s",
    ],
)
def test_scan_catches(source: str) -> None:
    """The scan itself finds each kind of unsafe call."""
    assert problems(source)


@pytest.mark.parametrize(
    "source",
    [
        "import yaml\nyaml.load(text, Loader=yaml.SafeLoader)",
        "from yaml import CSafeLoader as S\nclass L(S): pass\nyaml.load(text, Loader=L)",
        "from lxml import etree\netree.XMLParser(resolve_entities=False, no_network=True)",
        "import jinja2\njinja2.Environment(autoescape=True)",
        "from weasyprint import HTML\nHTML(string=s, url_fetcher=f)",
    ],
)
def test_scan_passes_safe_calls(source: str) -> None:
    """Calls made safely are not reported."""
    assert problems(source) == []
