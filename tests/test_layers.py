"""The layering of CONTRIBUTING.md, checked on the source (a structural test: it reads imports, runs nothing).

app -> screens -> widgets -> wizard model -> services -> rules -> model, services -> azure -> SDK; the headless
core and the wizard model never import Textual; the emulator stands alone; steps never import the App.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def imports_of(path: Path) -> set[str]:
    """Every module a file imports (absolute names; relative imports resolved against its package)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def files(package: str) -> list[Path]:
    """The package's modules (or the module itself, for a module name)."""
    path = ROOT / package.replace(".", "/")
    return sorted(path.rglob("*.py")) if path.is_dir() else [path.with_suffix(".py")]


def offending(package: str, forbidden: tuple[str, ...]) -> list[str]:
    out = []
    for path in files(package):
        for name in sorted(imports_of(path)):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                out.append(f"{path.relative_to(ROOT)} imports {name}")
    return out


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("tui.rules", ("textual", "tui.services", "tui.azure", "tui.emulator", "screens", "tui.app")),
        ("tui.services", ("textual", "screens", "tui.app", "tui.widgets", "tui.emulator")),
        ("tui.azure", ("textual", "screens", "tui.services", "tui.rules", "tui.emulator")),
        ("tui.widgets", ("screens", "tui.app", "tui.wizard")),
        ("screens", ("tui.app", "tui.emulator")),
        # the wizard model and its workspace: Textual-free, below the steps
        ("tui.wizard", ("textual", "screens", "tui.app", "tui.widgets", "tui.emulator")),
        ("tui.workspace", ("textual", "screens", "tui.app", "tui.widgets", "tui.emulator")),
        ("tui.session", ("textual", "screens", "tui.app", "tui.widgets", "tui.wizard", "tui.emulator")),
    ],
)
def test_layer_never_imports_upwards(package: str, forbidden: tuple[str, ...]) -> None:
    assert offending(package, forbidden) == []


def test_steps_reach_the_app_only_through_messages() -> None:
    """Steps get the wizard model; none reads domain state off the App (no ``self.wizard``, no ``app.model``)."""
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in files("screens")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "self.wizard" in line or "app.model" in line or "app.session" in line or "app.inventory" in line
    ]
    assert found == []


def test_domain_model_imports_nothing_of_the_product() -> None:
    assert [n for n in imports_of(ROOT / "tui" / "model.py") if n.startswith(("tui", "screens"))] == []


def test_emulator_stands_alone() -> None:
    """The emulator is Azure in a box: it imports nothing of the product it serves."""
    assert offending("tui.emulator", ("tui.services", "tui.rules", "tui.azure", "tui.model", "screens")) == []


def test_the_checker_sees_a_violation(tmp_path: Path) -> None:
    """Guard against a checker that could never fail: a relative import upwards is resolved and caught."""
    fake = ROOT / "tui" / "rules" / "_layer_probe.py"
    fake.write_text("from ..services import inventory\n", encoding="utf-8")
    try:
        assert offending("tui.rules", ("tui.services",)) == [
            "tui/rules/_layer_probe.py imports tui.services",
            "tui/rules/_layer_probe.py imports tui.services.inventory",
        ]
    finally:
        fake.unlink()
