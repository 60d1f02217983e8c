"""Snapshot of every wizard step at 100x32 on the demo estate (pytest-textual-snapshot).

Deterministic: the endpoint the sign-in step shows carries a fixed port (the emulator itself listens on a
free one, port 0, so parallel runs never collide), the session clock is fixed, cursors do not blink, and
every worker has finished before the screenshot.
Update after an intended visual change with `pytest tests/snapshots --snapshot-update` and review the SVGs.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static

from tests.conftest import DEMO_ESTATE
from tests.wizard.drive import make_app, settle, to_step
from tui.emulator import EmulatorConfig, EmulatorThread
from tui.session import Session

SHOWN_ENDPOINT = "https://127.0.0.1:47653/"  # what the sign-in step shows, whatever port the emulator has
SIZE = (100, 32)
NORTH = ["vm-neu-app01", "vm-neu-app03", "vm-neu-dns01"]


def _fixed_clock() -> dt.datetime:
    return dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def emulator() -> Iterator[Any]:
    thread = EmulatorThread(json.loads(DEMO_ESTATE.read_text(encoding="utf-8")), EmulatorConfig(port=0))
    info = thread.start()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("IDENTITY_ENDPOINT", info["identity_endpoint"])
        mp.setenv("IDENTITY_HEADER", info["identity_header"])
        yield thread.emulator
    thread.stop()


def _app(emulator: Any) -> Any:
    app = make_app(
        emulator,
        session=Session(target="demo estate (emulator)", cloud="Custom", clock=_fixed_clock),
        export_dir="/tmp/vmbackup-prep-snapshots",
    )
    return app


def _at(step: str, **kwargs: Any):
    async def run_before(pilot: Pilot[Any]) -> None:
        app = pilot.app
        await to_step(pilot, app, step, **kwargs)
        for widget in app.query(Input):
            widget.cursor_blink = False
        endpoint = app.model.connection.target.arm_endpoint
        target = app.query_one("#signin-target", Static)
        target.update(str(target.content).replace(endpoint, SHOWN_ENDPOINT))
        app.title = app.title.replace(endpoint, SHOWN_ENDPOINT)
        await settle(pilot, app)
        await pilot.pause(0.5)  # what runs after a refresh (a tree's cursor, a scroll) has run, loaded or not
        await settle(pilot, app)
        app.clear_notifications()  # a toast lives for seconds: on a slow machine it may or may not be there
        await pilot.pause()

    return run_before


@pytest.mark.parametrize(
    ("step", "kwargs"),
    [
        ("signin", {}),
        ("subscription", {}),
        ("vault", {}),
        ("vms", {}),
        ("agent", {"vms": NORTH}),
        ("connectivity", {"vms": NORTH}),
        ("limitations", {"vms": NORTH}),
        ("protect", {"vms": NORTH}),
        ("summary", {"vms": NORTH}),
    ],
)
def test_step(snap_compare, emulator, step, kwargs):
    assert snap_compare(_app(emulator), terminal_size=SIZE, run_before=_at(step, **kwargs))
