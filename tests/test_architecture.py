"""The dependency rule of STYLE.md, and an explicit public surface for every module."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import bluehelmet

PACKAGE = Path(bluehelmet.__file__).parent

# Which of our layers each layer may import (besides itself). Unlisted top-level modules
# (config, cli, __main__) are checked by the rules for doors below.
ALLOWED = {
    "domain": set(),
    "geography": {"domain"},
    "storage": {"domain"},
    "analytics": {"domain"},
    "planning": {"domain"},
    "services": {"domain", "geography", "storage", "analytics", "planning", "config"},
    "reporting": {"domain", "geography", "analytics", "services", "config"},
    "imports": {"domain", "geography", "services", "config"},
    "exports": {"domain", "services", "config"},
    "reference": {"domain", "geography", "services", "imports", "config"},
    "web": {"domain", "services", "reporting", "imports", "exports", "config"},
    "cli": {"domain", "geography", "services", "imports", "exports", "reference", "reporting", "web", "config"},
}
DOORS = {"cli", "__main__", "web", "imports", "exports", "reference"}


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


def _layer(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _our_imports(path: Path) -> set[str]:
    """The layers of bluehelmet that a module imports."""
    layers = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] if node.level == 0 else []
        for name in names:
            parts = name.split(".")
            if parts[0] == "bluehelmet" and len(parts) > 1:
                layers.add(parts[1])
    return layers


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_each_layer_imports_only_what_the_dependency_rule_allows(path: Path) -> None:
    layer = _layer(path)
    imported = _our_imports(path) - {layer}
    if layer in ALLOWED:
        assert imported <= ALLOWED[layer], f"{layer} may not import {sorted(imported - ALLOWED[layer])}"
    if layer in DOORS or layer not in ALLOWED:
        assert "storage" not in imported, f"{path.name} is a door and must go through services"


def test_the_domain_uses_no_framework() -> None:
    for path in (PACKAGE / "domain").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                module = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
                root = (module or "").split(".")[0]
                assert root not in {"sqlalchemy", "pydantic", "fastapi", "click", "alembic"}, path.name


def _public_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages([str(PACKAGE)], prefix="bluehelmet."):
        if ".migrations" in info.name or info.name.endswith("__main__"):
            continue
        names.append(info.name)
    return names


@pytest.mark.parametrize("name", _public_modules())
def test_every_module_declares_its_public_surface(name: str) -> None:
    module = importlib.import_module(name)
    if not hasattr(module, "__all__"):
        tree = ast.parse(Path(module.__file__ or "").read_text())
        assert not [n for n in tree.body if isinstance(n, ast.ClassDef | ast.FunctionDef)], f"{name} needs __all__"
        return
    exported = set(module.__all__)
    for item in exported:
        assert hasattr(module, item), f"{name}.__all__ names {item}, which does not exist"
    defined = {
        key
        for key, value in vars(module).items()
        if not key.startswith("_") and getattr(value, "__module__", None) == name and callable(value)
    }
    assert defined <= exported, f"{name} defines {sorted(defined - exported)} without exporting them"


def test_no_module_grows_into_a_god_module() -> None:
    for path in _modules():
        lines = len(path.read_text().splitlines())
        assert lines < 500, f"{path.relative_to(PACKAGE)} has {lines} lines; split it by domain noun"
