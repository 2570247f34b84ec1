"""Every user-facing message (CLI included) has a Spanish translation.

Static checks on the source tree (AST, no imports of the checked modules, no subprocess):

* each string literal given to ``_()`` / ``gettext()`` has a non-empty Spanish translation in the
  merged catalogs, and ``_()`` is never called with an f-string (it would never match a msgid);
* each ``barrio.errors`` exception (and each subclass defined in ``src/barrio``) is built with a
  translated message and hint, not a plain string literal, f-string or concatenation of them;
* each ``{placeholder}`` of a msgid appears in its Spanish translation and vice versa: a mismatch
  raises ``KeyError`` (or drops a value) at runtime, in Spanish only;
* a msgid present in several catalogs has the same translation in all of them (they are merged,
  the last file read wins).
"""

from __future__ import annotations

import ast
import inspect
import string
from collections.abc import Iterator
from pathlib import Path

from babel.messages.pofile import read_po

import barrio.errors
from barrio.i18n import _catalog

SRC = Path(__file__).resolve().parents[1] / "src" / "barrio"
LOCALES = SRC / "data" / "locales" / "es" / "LC_MESSAGES"
GETTEXT_NAMES = {"_", "gettext"}


def _modules() -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(SRC.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(SRC.parents[1])}:{getattr(node, 'lineno', 0)}"


def _callee(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def _error_classes() -> set[str]:
    """Names of barrio.errors exception classes and of their subclasses defined in src/barrio."""
    names = {
        name
        for name, obj in inspect.getmembers(barrio.errors, inspect.isclass)
        if issubclass(obj, barrio.errors.BarrioError)
    }
    classes = [
        node
        for path in sorted(SRC.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ClassDef)
    ]
    grew = True
    while grew:
        grew = False
        for cls in classes:
            bases = {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in cls.bases}
            if cls.name not in names and bases & names:
                names.add(cls.name)
                grew = True
    return names


def _is_plain_text(node: ast.AST | None) -> bool:
    """A string literal, an f-string, or a concatenation / choice that includes one."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _is_plain_text(node.left) or _is_plain_text(node.right)
    if isinstance(node, ast.IfExp):
        return _is_plain_text(node.body) or _is_plain_text(node.orelse)
    return False


def _fields(text: str) -> set[str]:
    try:
        return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}
    except ValueError:
        return {"<malformed braces>"}


def test_every_msgid_has_a_spanish_translation() -> None:
    catalog = _catalog("es")
    missing, fstrings = [], []
    for path, tree in _modules():
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and _callee(node) in GETTEXT_NAMES and node.args):
                continue
            first = node.args[0]
            if isinstance(first, ast.JoinedStr):
                fstrings.append(_where(path, node))
            elif (
                isinstance(first, ast.Constant)
                and isinstance(first.value, str)
                and not catalog.get(first.value, "").strip()
            ):
                missing.append(f"{_where(path, node)}: {first.value!r}")
    assert not fstrings, "_() called with an f-string:\n" + "\n".join(fstrings)
    assert not missing, f"{len(missing)} msgids without Spanish translation:\n" + "\n".join(missing)


def test_errors_carry_translated_messages_and_hints() -> None:
    classes = _error_classes()
    plain = []
    for path, tree in _modules():
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and _callee(node) in classes):
                continue
            message = node.args[0] if node.args else None
            for kw in node.keywords:
                if kw.arg == "message":
                    message = kw.value
                if kw.arg == "hint" and _is_plain_text(kw.value):
                    plain.append(f"{_where(path, kw.value)}: hint of {_callee(node)}")
            if _is_plain_text(message):
                plain.append(f"{_where(path, node)}: message of {_callee(node)}")
    assert not plain, f"{len(plain)} untranslated error texts:\n" + "\n".join(sorted(plain))


def _entries() -> Iterator[tuple[Path, int, str, str]]:
    for path in sorted(LOCALES.glob("*.po")):
        with path.open("rb") as fh:
            for message in read_po(fh, locale="es"):
                if message.id and message.string:
                    yield path, message.lineno, str(message.id), str(message.string)


def test_placeholders_match_between_msgid_and_translation() -> None:
    wrong = [
        f"{path.name}:{line}: {msgid!r} {sorted(_fields(msgid))} vs {sorted(_fields(msgstr))}"
        for path, line, msgid, msgstr in _entries()
        if _fields(msgid) != _fields(msgstr)
    ]
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)


def test_one_translation_per_msgid_across_catalogs() -> None:
    seen: dict[str, tuple[str, str]] = {}
    clashes = []
    for path, line, msgid, msgstr in _entries():
        first = seen.setdefault(msgid, (f"{path.name}:{line}", msgstr))
        if first[1] != msgstr:
            clashes.append(f"{msgid!r}: {first[0]} {first[1]!r} vs {path.name}:{line} {msgstr!r}")
    assert not clashes, "one msgid, several translations:\n" + "\n".join(clashes)
