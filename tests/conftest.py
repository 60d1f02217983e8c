"""Shared fixtures: emulators started on loopback and real async SDK clients pointed at them."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from tests.sdk import Sdk
from tui.emulator import Emulator, EmulatorConfig, parse_estate

ROOT = Path(__file__).resolve().parent.parent
DEMO_ESTATE = ROOT / "assets" / "demo-estate.json"

os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
os.environ["no_proxy"] = os.environ["NO_PROXY"]

MakeEmulator = Callable[..., Awaitable[Emulator]]


@pytest.fixture(scope="session")
def demo_estate_doc() -> dict[str, Any]:
    return json.loads(DEMO_ESTATE.read_text(encoding="utf-8"))


@pytest_asyncio.fixture
async def make_emulator(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AsyncIterator[MakeEmulator]:
    """Start emulators (stopped at teardown). The last one started is the managed identity the SDK uses."""
    started: list[Emulator] = []

    async def make(estate: dict[str, Any], **config: Any) -> Emulator:
        config.setdefault("request_log", str(tmp_path / f"requests-{len(started)}.jsonl"))
        emulator = Emulator(parse_estate(estate), EmulatorConfig(**config))
        info = await emulator.start()
        started.append(emulator)
        monkeypatch.setenv("IDENTITY_ENDPOINT", info["identity_endpoint"])
        monkeypatch.setenv("IDENTITY_HEADER", info["identity_header"])
        return emulator

    yield make
    for emulator in started:
        await emulator.stop()


@pytest_asyncio.fixture
async def demo(make_emulator: MakeEmulator, demo_estate_doc: dict[str, Any]) -> Emulator:
    """A fresh emulator serving the demo estate (writes never leak between tests)."""
    return await make_emulator(demo_estate_doc)


@pytest_asyncio.fixture
async def sdk(demo: Emulator) -> AsyncIterator[Sdk]:
    """Real async SDK clients for the demo emulator."""
    async with Sdk(demo) as s:
        yield s


def read_request_log(emulator: Emulator) -> list[dict[str, Any]]:
    path = Path(emulator.config.request_log or "")
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
