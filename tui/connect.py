"""From command-line options to a target, a credential and (for --demo / --estate) a running emulator.

The emulator is started in a background thread and found by the SDK through its managed-identity
endpoint, exactly as an App Service identity would be: nothing downstream knows it is an emulator.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from azure.core.credentials_async import AsyncTokenCredential

from tui.azure import AUTH_METHODS, CLOUDS, DEFAULT_CLOUD, ClientFactory, Target, make_credential

ASSETS = Path(__file__).resolve().parent.parent / "assets"
DEMO_ESTATE = ASSETS / "demo-estate.json"


class UsageError(Exception):
    """Bad command-line input: printed as one line, exit status 2."""


def add_target_options(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("where Azure is")
    src = g.add_mutually_exclusive_group()
    src.add_argument(
        "--demo", action="store_true", help="use the built-in demo estate (no Azure account needed)"
    )
    src.add_argument(
        "--estate", metavar="FILE", help="serve this estate file through the built-in ARM emulator"
    )
    src.add_argument("--arm-endpoint", metavar="URL", help="a custom Azure Resource Manager endpoint")
    g.add_argument("--ca-bundle", metavar="PEM", help="CA certificates to trust for --arm-endpoint")
    g.add_argument(
        "--cloud", choices=sorted(CLOUDS), default=DEFAULT_CLOUD, help="sovereign cloud (default %(default)s)"
    )
    g.add_argument(
        "--auth", choices=AUTH_METHODS, default="default", help="how to sign in (default %(default)s)"
    )
    g.add_argument("--tenant", metavar="ID", help="tenant to sign in to")
    g.add_argument("--read-only", action="store_true", help="refuse every request that would change Azure")


@dataclass
class Connection:
    """What the product talks to: target + credential, and the emulator it started (if any)."""

    target: Target
    auth: str
    tenant: str | None
    read_only: bool
    emulator: Any = None  # tui.emulator.EmulatorThread, kept only to stop it
    env: dict[str, str] = field(default_factory=dict)
    client_options: dict[str, Any] = field(default_factory=dict)  # e.g. retry settings for every client

    def credential(self, **kwargs: Any) -> AsyncTokenCredential:
        return make_credential(self.auth, self.target, tenant_id=self.tenant, **kwargs)

    def factory(self, credential: AsyncTokenCredential, **kwargs: Any) -> ClientFactory:
        return ClientFactory(
            self.target, credential, read_only=self.read_only, **{**self.client_options, **kwargs}
        )

    @property
    def label(self) -> str:
        if self.emulator is not None:
            return (
                "demo estate (emulator)"
                if self.env.get("estate") == str(DEMO_ESTATE)
                else f"estate {self.env.get('estate')}"
            )
        return self.target.cloud if not self.target.is_custom else self.target.arm_endpoint

    def close(self) -> None:
        if self.emulator is not None:
            self.emulator.stop()
            self.emulator = None


def connect(args: argparse.Namespace, **emulator_config: Any) -> Connection:
    """Resolve the options; start the emulator for --demo / --estate. Raises UsageError on bad input."""
    estate = str(DEMO_ESTATE) if args.demo else args.estate
    if estate:
        from tui.emulator import EmulatorConfig, EmulatorThread, EstateError, load_estate

        try:
            model = load_estate(estate)
        except EstateError as e:
            raise UsageError(str(e)) from None
        thread = EmulatorThread(model, EmulatorConfig(**emulator_config))
        info = thread.start()
        # The managed-identity endpoint is how azure-identity finds the emulator's tokens.
        os.environ["IDENTITY_ENDPOINT"] = info["identity_endpoint"]
        os.environ["IDENTITY_HEADER"] = info["identity_header"]
        os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
        target = Target.for_endpoint(info["arm_endpoint"], ca_bundle=info["ca_bundle"])
        return Connection(
            target, "managed-identity", info["tenant_id"], args.read_only, thread, {"estate": estate}
        )
    if args.ca_bundle and not args.arm_endpoint:
        raise UsageError("--ca-bundle goes with --arm-endpoint")
    if args.ca_bundle and not Path(args.ca_bundle).is_file():
        raise UsageError(f"--ca-bundle {args.ca_bundle}: no such file")
    if args.arm_endpoint:
        if not args.arm_endpoint.lower().startswith("https://"):
            raise UsageError(
                "--arm-endpoint must be an https:// URL (Azure SDKs refuse to send tokens over plain HTTP)"
            )
        target = Target.for_endpoint(args.arm_endpoint, ca_bundle=args.ca_bundle)
    else:
        target = Target.for_cloud(args.cloud)
    return Connection(target, args.auth, args.tenant, args.read_only)
