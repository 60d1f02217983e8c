"""What starting the wizard, `--help` and the usage errors load: no Azure management SDK, no azure-identity,
no msal, no HTTP client and no emulator. They load where they are used (a client's builder, the sign-in, the
emulator's start), after the first screen is drawn (issue 9, item 1; the times are in bench/startup.py).

Each case runs in a fresh interpreter, so what an earlier test imported cannot hide an import.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
import textwrap

import pytest

import screens

# Module prefixes that must not be loaded before the first paint.
HEAVY = ("azure.mgmt", "azure.identity", "msal", "msal_extensions", "aiohttp", "requests", "tui.emulator")

SCREENS = sorted(f"screens.{m.name}" for m in pkgutil.iter_modules(screens.__path__))

# What the first paint (the frame and the sign-in step) needs none of either: azure-core, the rules, the
# services that read and judge the estate, and every step's pane but the first.
FIRST_STEP = "screens.signin"
AFTER_FIRST_PAINT = (
    *HEAVY,
    "azure",
    "tui.rules",
    "tui.services.assessment",
    "tui.services.facts",
    "tui.services.inventory",
    "tui.services.protection",
    "tui.services.report",
    "tui.services.vaults",
    *(m for m in SCREENS if m not in (FIRST_STEP, "screens.base")),
)

REPORT = """
import json, sys
heavy = {heavy!r}
print(json.dumps(sorted(m for m in sys.modules if any(m == h or m.startswith(h + ".") for h in heavy))))
"""


def loaded_after(code: str, heavy: tuple[str, ...] = HEAVY) -> list[str]:
    """The ``heavy`` modules a fresh interpreter holds after running ``code`` (its output is discarded)."""
    script = textwrap.dedent(code) + REPORT.format(heavy=heavy)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_the_screens_are_found():
    assert {"screens.signin", "screens.subscription", "screens.summary"} <= set(SCREENS)


def test_importing_the_app_the_cli_and_every_screen_loads_no_azure_sdk_client_or_identity():
    modules = ["tui.app", "tui.cli", "tui.connect", "tui.workspace", "tui.azure", *SCREENS]
    assert loaded_after("\n".join(f"import {m}" for m in modules)) == []


def test_the_app_built_for_the_demo_loads_only_what_its_first_paint_draws():
    """What `vmbackup-prep --demo` does before the first paint: options, connection, the App and the pane of
    its first step (what `compose` builds). No azure-core, no rules, no other step: those load after it."""
    code = f"""
    from tui.cli import _wizard_parser
    from tui.connect import connect
    from tui.app import VmBackupPrepApp
    from screens import STEPS
    connection = connect(_wizard_parser().parse_args(["--demo"]))
    app = VmBackupPrepApp(connection)
    assert STEPS[0].pane().__module__ == {FIRST_STEP!r}
    connection.close()
    """
    assert loaded_after(code, AFTER_FIRST_PAINT) == []


def test_a_step_pane_loads_when_asked_and_takes_its_title_from_the_step_table():
    """The other side of the deferred panes: each step's module defines its pane, which has the table's title
    and purpose (the sidebar and the palette show the table's, the pane's header its own)."""
    from screens import STEPS

    for info in STEPS:
        pane = info.pane()
        assert (info.step, info.title, info.purpose) == (pane.STEP_ID, pane.TITLE, pane.PURPOSE)
        assert pane.__module__ == f"screens.{info.module}"


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["check", "--help"],
        ["protect", "--help"],
        ["rules"],
        ["--no-such-option"],
        ["check", "--no-such-option"],
        ["--ca-bundle", "/nonexistent.pem"],  # a usage error found after parsing
    ],
    ids=" ".join,
)
def test_help_rules_and_usage_errors_load_no_sdk(argv):
    code = f"""
    import contextlib, io
    from tui.cli import main
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        try:
            status = main({argv!r})
        except SystemExit as e:
            status = e.code
    assert status in (0, 2), status
    """
    # protect's module is the run itself (azure-core is its own); rules reads the rules; the others, options
    heavy = {"protect": HEAVY, "rules": (*HEAVY, "azure")}.get(
        argv[0], (*HEAVY, "azure", "tui.rules", "tui.services")
    )
    assert loaded_after(code, heavy) == []


def test_a_client_loads_its_sdk_when_it_is_built():
    """The other side: a client's builder loads its own SDK, and only that one (the check can fail)."""
    code = """
    from tui.azure import ClientFactory, Target
    factory = ClientFactory(Target.for_cloud(), object(), share_session=False)
    factory.compute("00000000-0000-0000-0000-000000000000")
    """
    loaded = loaded_after(code)
    assert "azure.mgmt.compute" in loaded and "aiohttp" in loaded
    assert not [m for m in loaded if m.startswith(("azure.mgmt.network", "azure.identity", "tui.emulator"))]


def test_every_lazy_name_of_tui_azure_is_its_submodules_own_and_the_type_checking_imports_match():
    """`tui.azure` lists its exports three times (the lazy table, `__all__` from it, and the TYPE_CHECKING
    imports for type checkers): a name misspelt or moved in one would only fail when first used. Each name
    must be in its submodule's ``__all__`` (where it has one), resolve to that submodule's object, and be
    imported under TYPE_CHECKING from the same submodule."""
    import ast
    import importlib
    from pathlib import Path

    import tui.azure as azure

    exports = azure._EXPORTS
    for module, names in exports.items():
        sub = importlib.import_module(f"tui.azure.{module}")
        assert set(names) <= set(getattr(sub, "__all__", names)), module
        for name in names:
            assert getattr(azure, name) is getattr(sub, name), name
    assert sorted(azure.__all__) == sorted(n for names in exports.values() for n in names)

    tree = ast.parse(Path(azure.__file__).read_text(encoding="utf-8"))
    guarded = next(n for n in tree.body if isinstance(n, ast.If) and ast.unparse(n.test) == "TYPE_CHECKING")
    imported = {
        (node.module, alias.name)
        for node in guarded.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert imported == {(module, name) for module, names in exports.items() for name in names}


SIGN_IN_SDKS = {"azure", "aiohttp", "msal", "requests", "urllib3", "cryptography", "yarl", "multidict"}
CHOSEN_BY_ENVIRONMENT = tuple(
    f"azure.identity.{aio}{part}." for aio in ("", "aio.") for part in ("_credentials", "_internal")
)


def test_signing_in_loads_the_sdks_in_a_worker_thread_never_on_the_event_loop():
    """The demo's sign-in needs azure-core, aiohttp, azure-identity and msal (half a second of imports): a
    worker thread loads them while the emulator starts, and the event loop (which draws the screen) imports
    none of them, from the App's start to signed in. The worker is slowed down, so that an import the loop
    makes while it works would be the loop's (a loop importing a module the worker is loading waits for it,
    which no import hook sees). Left to the event loop: the managed identity implementation that
    azure-identity picks by the environment when the credential is built (a few ms; which one depends on
    where it runs)."""
    code = """
    import asyncio, json, sys, threading
    from importlib.abc import MetaPathFinder
    from tui.app import VmBackupPrepApp
    from tui.cli import _wizard_parser
    from tui.connect import connect

    on_loop = []

    class Watch(MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if threading.current_thread() is threading.main_thread():
                on_loop.append(name)
            return None

    import time
    import tui.workspace

    load = tui.workspace.load_sign_in_sdks

    def slow_load(*args):  # the worker takes its time: whatever the loop imports meanwhile, it imports first
        time.sleep(1.0)
        load(*args)

    tui.workspace.load_sign_in_sdks = slow_load
    connection = connect(_wizard_parser().parse_args(["--demo"]))
    app = VmBackupPrepApp(connection)

    async def main():
        async with app.run_test(size=(120, 36)):
            for _ in range(1200):
                if app.model.session.identity:
                    break
                await asyncio.sleep(0.05)
            assert app.model.session.identity, "not signed in"

    watch = Watch()
    sys.meta_path.insert(0, watch)  # the whole run of the App, its first paint included
    asyncio.run(main())
    sys.meta_path.remove(watch)
    connection.close()
    print(json.dumps(on_loop))
    """
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr
    on_loop = json.loads(done.stdout.splitlines()[-1])
    heavy = [
        m for m in on_loop if m.split(".")[0] in SIGN_IN_SDKS and not m.startswith(CHOSEN_BY_ENVIRONMENT)
    ]
    assert heavy == [], f"imported on the event loop while signing in: {heavy}"
