"""The package layering holds: the import contracts in ``pyproject.toml`` and no
reaching into another module's private names.

The contracts (``[tool.importlinter]``) say which package may import which:
domains use auth, the outbox and the shared modules; the outbox uses no
domain; domains are independent except the listed public uses; no import
cycles between sibling modules. The AST scan below adds what import-linter
cannot see: a ``_private`` name used from another module.
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "portal"

#: (importing module, imported private name) pairs still allowed, with why.
#: Inside one domain only; a private name of ANOTHER domain is never allowed.
ALLOWED_PRIVATE = {
    # kb's workflow stores revisions and checks slugs with the save helpers of
    # kb.services (the same write path, split over two modules)
    ("portal.kb.workflow", "portal.kb.services._add_revision"),
    ("portal.kb.workflow", "portal.kb.services._check_slug"),
}


def test_import_contracts_hold():
    pytest.importorskip("importlinter")
    # In a process of its own: import-linter configures logging (dictConfig),
    # which would silence the loggers later tests in this process read.
    program = ("import sys; from importlinter.cli import lint_imports; "
               "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True, no_logo=True))")
    result = subprocess.run([sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def _module_names() -> dict[str, Path]:
    names = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    return names


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _domain(module: str) -> str:
    return ".".join(module.split(".")[:2])


def private_uses() -> list[tuple[str, str]]:
    """(importing module, ``module._name``) for every private name used from another module."""
    modules = _module_names()
    found = []
    for importer, path in sorted(modules.items()):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        bound: dict[str, str] = {}  # local name -> portal module it stands for
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("portal"):
                for alias in node.names:
                    target = f"{node.module}.{alias.name}"
                    if target in modules:
                        bound[alias.asname or alias.name] = target
                    elif _is_private(alias.name) and node.module != importer:
                        found.append((importer, target))
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("portal") and alias.asname:
                        bound[alias.asname] = alias.name
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in bound and _is_private(node.attr) and bound[node.value.id] != importer):
                found.append((importer, f"{bound[node.value.id]}.{node.attr}"))
    return sorted(set(found))


def test_no_module_uses_another_modules_private_names():
    uses = private_uses()
    across_domains = [(a, b) for a, b in uses if _domain(a) != _domain(b)]
    assert not across_domains, "private names of another domain: " + ", ".join(f"{a} uses {b}" for a, b in across_domains)
    unlisted = [use for use in uses if use not in ALLOWED_PRIVATE]
    assert not unlisted, "make these public (or list them in ALLOWED_PRIVATE with the reason): " + ", ".join(
        f"{a} uses {b}" for a, b in unlisted)
    stale = ALLOWED_PRIVATE - set(uses)
    assert not stale, f"no longer used, remove from ALLOWED_PRIVATE: {sorted(stale)}"


def test_the_private_name_scan_sees_both_spellings(tmp_path, monkeypatch):
    """The scan itself: ``from m import _x`` and ``m._x`` are both found."""
    package = tmp_path / "portal"
    (package / "a").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "a" / "__init__.py").write_text("")
    (package / "a" / "one.py").write_text("def _hidden():\n    pass\n")
    (package / "b.py").write_text("from portal.a.one import _hidden\n")
    (package / "c.py").write_text("from portal.a import one\n\none._hidden()\n")
    (package / "a" / "two.py").write_text("from portal.a import one\n\none.public()\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", package)
    assert private_uses() == [("portal.b", "portal.a.one._hidden"), ("portal.c", "portal.a.one._hidden")]
