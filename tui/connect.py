"""From command-line options to a target, a credential and (for --demo / --estate) a running emulator.

The emulator is started in a background thread and found by the SDK through its managed-identity
endpoint, exactly as an App Service identity would be: nothing downstream knows it is an emulator. A custom
ARM endpoint (the emulator's too) is a custom cloud: its own metadata says where to sign in
(`Connection.resolve`).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from azure.core.credentials_async import AsyncTokenCredential

from tui.azure import (
    AUTH_METHODS,
    CLOUDS,
    DEFAULT_CLOUD,
    INTERACTIVE_METHODS,
    ClientFactory,
    SignInMemory,
    Target,
    device_code_message,
    discover_target,
    make_credential,
    parse_authority,
)
from tui.resources import DEMO_ESTATE


class UsageError(Exception):
    """Bad command-line input: printed as one line, exit status 2."""


def seconds(text: str) -> float:
    """An argparse type: a positive number of seconds."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r}: give a positive number of seconds")
    return value


def add_deadline_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--deadline",
        type=seconds,
        metavar="SECONDS",
        help="stop reading Azure after this many seconds: what was not read by then is reported as unknown "
        "(timed out, with the call named)",
    )


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
    g.add_argument(
        "--authority-host",
        metavar="URL",
        help="sign in at this Microsoft Entra (or AD FS) authority instead of the cloud's own",
    )
    g.add_argument(
        "--allow-unencrypted-token-cache",
        action="store_true",
        help="where no keyring can encrypt it (libsecret missing, SSH), remember device code and browser "
        "sign-ins in a file readable only by you (~/.IdentityService/vmbackup-prep.nocae)",
    )
    g.add_argument("--read-only", action="store_true", help="refuse every request that would change Azure")


@dataclass(frozen=True)
class Connection:
    """What the product talks to: target, how to sign in, and the emulator it started (if any).

    Frozen: a resolved cloud or another sign-in method is a new Connection (`resolved`, `with_auth`). ``close``
    stops the emulator and puts back the process environment `connect` changed for it.
    """

    target: Target
    auth: str
    tenant: str | None
    read_only: bool
    emulator: Any = None  # tui.emulator.EmulatorThread, kept only to stop it
    estate: str | None = None  # the estate file the emulator serves
    client_options: Mapping[str, Any] = field(default_factory=dict)  # e.g. retry settings for every client
    authority_host: str | None = None  # --authority-host
    discover: bool = False  # a custom endpoint whose cloud metadata has not been read yet
    memory: SignInMemory | None = None  # remembered device code / browser sign-ins
    saved_env: Mapping[str, str | None] = field(default_factory=dict)  # variables `connect` set: old values

    async def resolved(self) -> Connection:
        """This connection with a custom endpoint's cloud metadata read (where to sign in, the ARM audience);
        CloudMetadataError (a ValueError) when it cannot be read."""
        if not self.discover:
            return self
        target = await discover_target(
            self.target.arm_endpoint, self.target.ca_bundle, authority_host=self.authority_host
        )
        return replace(self, target=target, discover=False)

    def with_auth(self, auth: str) -> Connection:
        return self if auth == self.auth else replace(self, auth=auth)

    def credential(self, **kwargs: Any) -> AsyncTokenCredential:
        return make_credential(self.auth, self.target, tenant_id=self.tenant, memory=self.memory, **kwargs)

    async def headless_credential(self, err: TextIO) -> AsyncTokenCredential:
        """The credential for `check` and `protect` (call it on a `resolved` connection): the device code and
        whether the sign-in is remembered said on ``err`` (stdout is the report's)."""
        if self.auth in INTERACTIVE_METHODS and self.memory is not None:
            self.memory.cache_options()
            if self.memory.note:
                print(self.memory.note, file=err, flush=True)

        def prompt(uri: str, code: str, expires_on: datetime) -> None:
            print(device_code_message(uri, code), file=err, flush=True)

        return self.credential(device_code_prompt=prompt) if self.auth == "device-code" else self.credential()

    def factory(
        self, credential: AsyncTokenCredential, *, read_only: bool | None = None, **kwargs: Any
    ) -> ClientFactory:
        """Clients for this target; ``read_only`` narrows (or, for a confirmed write, widens) the connection's."""
        return ClientFactory(
            self.target,
            credential,
            read_only=self.read_only if read_only is None else read_only,
            **{**self.client_options, **kwargs},
        )

    @property
    def label(self) -> str:
        if self.emulator is not None:
            return "demo estate (emulator)" if self.estate == str(DEMO_ESTATE) else f"estate {self.estate}"
        return self.target.cloud if not self.target.is_custom else self.target.arm_endpoint

    def close(self) -> None:
        """Stop the emulator and restore the environment (idempotent)."""
        if self.emulator is not None:
            self.emulator.stop()
        for name, value in self.saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _set_env(
    values: Mapping[str, str], *, keep_existing: frozenset[str] = frozenset()
) -> dict[str, str | None]:
    """Set environment variables (those in ``keep_existing`` only when unset); returns their old values."""
    saved: dict[str, str | None] = {}
    for name, value in values.items():
        if name in keep_existing and name in os.environ:
            continue
        saved[name] = os.environ.get(name)
        os.environ[name] = value
    return saved


def connect(args: argparse.Namespace, **emulator_config: Any) -> Connection:
    """Resolve the options; start the emulator for --demo / --estate. Raises UsageError on bad input."""
    if args.authority_host:
        try:
            parse_authority(args.authority_host)
        except ValueError as e:
            raise UsageError(f"--authority-host: {e}") from None
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
        saved = _set_env(
            {
                "IDENTITY_ENDPOINT": info["identity_endpoint"],
                "IDENTITY_HEADER": info["identity_header"],
                "NO_PROXY": "127.0.0.1,localhost",
            },
            keep_existing=frozenset({"NO_PROXY"}),
        )
        target = Target.for_endpoint(info["arm_endpoint"], ca_bundle=info["ca_bundle"])
        return Connection(
            target,
            "managed-identity",
            info["tenant_id"],
            args.read_only,
            thread,
            estate,
            authority_host=args.authority_host,
            discover=True,
            memory=SignInMemory(allow_unencrypted=args.allow_unencrypted_token_cache),
            saved_env=saved,
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
        if args.authority_host:
            target = target.with_authority(args.authority_host)
    return Connection(
        target,
        args.auth,
        args.tenant,
        args.read_only,
        authority_host=args.authority_host,
        discover=bool(args.arm_endpoint),
        memory=SignInMemory(allow_unencrypted=args.allow_unencrypted_token_cache),
    )
