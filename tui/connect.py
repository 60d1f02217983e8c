"""From command-line options to a target, a credential and (for --demo / --estate) a running emulator.

The emulator runs as a child process (`EmulatorStart`), begun by `connect` so that it is up by the time the
sign-in waits for it (`Connection.resolved`). The SDK finds it through its
managed-identity endpoint, exactly as an App Service identity would be found: nothing downstream knows it is
an emulator. A custom ARM endpoint (the emulator's too) is a custom cloud: its own metadata says where to sign
in (`Connection.resolved`).

Nothing here loads an Azure SDK at import: ``--help`` and usage errors need none.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from tui.azure import (
    AUTH_METHODS,
    CLOUDS,
    DEFAULT_CLOUD,
    INTERACTIVE_METHODS,
    SignInMemory,
    Target,
    make_credential,
    parse_authority,
)
from tui.resources import DEMO_ESTATE

if TYPE_CHECKING:
    from azure.core.credentials_async import AsyncTokenCredential

    from tui.azure import ClientFactory

LOOPBACK = "https://127.0.0.1/"  # where the emulator will listen (its port is known once it does)
EMULATOR_STOP_TIMEOUT = 10.0  # seconds for the emulator to stop cleanly before it is killed


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


class EmulatorStartFailed(ValueError):
    """The built-in emulator did not start (the reason is what it said on stderr)."""


STOPPED_BEFORE_START = "the built-in emulator was stopped before it started"


class EmulatorStart:
    """The built-in emulator for --demo / --estate, run as a child process (`vmbackup-prep emulator`).

    `connect` begins it at once: it starts on another core while the wizard draws its first screen, and then
    answers the wizard's reads without taking the wizard's interpreter (in a thread of this process, its
    imports and its JSON would hold the GIL the UI needs: issue 9). It lives no longer than this process:
    it stops when its stdin closes (``--stop-when-stdin-closes``), which the OS does however we exit; it runs
    in its own session, so a ctrl+c meant for `check` is not also a ctrl+c for the emulator.

    `wait` gives its ready line (the start's error if it failed) and points azure-identity at its
    managed-identity endpoint (IDENTITY_ENDPOINT, IDENTITY_HEADER) with NO_PROXY kept for loopback; `stop`
    stops it and puts those variables back. ``config``: `EmulatorConfig` fields that the emulator command
    takes as options (``host="::1"`` is ``--host ::1``).
    """

    def __init__(self, estate: str, config: Mapping[str, Any] | None = None) -> None:
        # -P (and PYTHONPATH, `_child_environment`): the child runs this process's own `tui`, never a `tui`
        # package that happens to be in the working directory
        self._argv = [
            sys.executable,
            "-P",
            "-m",
            "tui.cli",
            "emulator",
            "--estate",
            estate,
            "--stop-when-stdin-closes",
        ]
        for name, value in (config or {}).items():
            option = "--" + name.replace("_", "-")
            if value is True:
                self._argv.append(option)
            elif value not in (None, False):
                self._argv += [option, str(value)]
        self._info: concurrent.futures.Future[dict[str, Any]] = concurrent.futures.Future()
        self._info.set_running_or_notify_cancel()  # a cancelled waiter must not cancel the start itself
        self.process: subprocess.Popen[str] | None = None
        self._saved_env: dict[str, str | None] | None = None
        self._lock = threading.Lock()
        self._begun = False
        self._stopping = False  # `stop` was called: a missing ready line is its doing, not a failure

    def begin(self) -> None:
        """Start it (once; later calls do nothing). Its ready line is read in a thread: nothing here waits."""
        with self._lock:
            if self._begun:
                return
            self._begun = True
            errors = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115 (the reader thread closes it)
            try:
                self.process = subprocess.Popen(
                    self._argv,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=errors,
                    text=True,
                    encoding="utf-8",
                    start_new_session=os.name == "posix",
                    env=_child_environment(),
                )
            except OSError as e:
                errors.close()
                self._info.set_exception(EmulatorStartFailed(f"the built-in emulator could not run: {e}"))
                return
        threading.Thread(target=self._read_ready, args=(self.process, errors), daemon=True).start()

    def _read_ready(self, process: subprocess.Popen[str], errors: TextIO) -> None:
        """The child's first line (its ready line), else why it exited. This thread owns the child's stdout
        and the stderr file, and closes both."""
        assert process.stdout is not None
        with errors, process.stdout as out:
            line = out.readline()
            try:
                self._info.set_result(json.loads(line))
                return
            except ValueError:  # no ready line: it exited (or was stopped) before listening
                pass
            status = process.wait()
            errors.seek(0)
            said = errors.read().strip().removeprefix("vmbackup-prep emulator: ")
            why = said or f"it exited with status {status} before listening"
            self._info.set_exception(
                RuntimeError(STOPPED_BEFORE_START) if self._stopping else EmulatorStartFailed(why)
            )

    async def wait(self) -> dict[str, Any]:
        """The emulator's info once it listens (``arm_endpoint``, ``ca_bundle``, ``tenant_id``, ...)."""
        self.begin()
        return self._point_environment(await asyncio.wrap_future(self._info))

    def _point_environment(self, info: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            if self._saved_env is None:
                self._saved_env = _set_env(
                    {
                        "IDENTITY_ENDPOINT": info["identity_endpoint"],
                        "IDENTITY_HEADER": info["identity_header"],
                        "NO_PROXY": "127.0.0.1,localhost",
                    },
                    keep_existing=frozenset({"NO_PROXY"}),
                )
        return info

    def stop(self) -> None:
        """Stop the emulator and restore the environment (idempotent). It stops cleanly on SIGTERM (its temp
        directory removed); one that does not within seconds is killed."""
        with self._lock:
            self._stopping = self._begun = True  # never begins after this
            process = self.process
        if process is not None and process.poll() is None:
            assert process.stdin is not None
            with contextlib.suppress(OSError):
                process.stdin.close()
            process.terminate()
            try:
                process.wait(EMULATOR_STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process is None and not self._info.done():  # never began (or could not run: its error stays)
            self._info.set_exception(RuntimeError(STOPPED_BEFORE_START))
        with self._lock:
            saved, self._saved_env = self._saved_env, {}
        for name, value in (saved or {}).items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@dataclass(frozen=True)
class Connection:
    """What the product talks to: target, how to sign in, and the emulator it started (if any).

    Frozen: a resolved cloud or another sign-in method is a new Connection (`resolved`, `with_auth`). ``close``
    stops the emulator and puts back the process environment it changed.
    """

    target: Target
    auth: str
    tenant: str | None
    read_only: bool
    emulator: EmulatorStart | None = None  # the emulator `connect` started, if any
    estate: str | None = None  # the estate file the emulator serves
    client_options: Mapping[str, Any] = field(default_factory=dict)  # e.g. retry settings for every client
    authority_host: str | None = None  # --authority-host
    discover: bool = False  # a custom endpoint whose cloud metadata has not been read yet
    memory: SignInMemory | None = None  # remembered device code / browser sign-ins
    starting: bool = False  # the emulator is starting: its endpoint and tenant come with `resolved`

    async def started(self) -> Connection:
        """This connection with the emulator started (waiting for it). EmulatorStartFailed (a ValueError,
        with the emulator's reason) when the emulator failed."""
        if not (self.starting and self.emulator is not None):
            return self
        info = await self.emulator.wait()
        target = Target.for_endpoint(info["arm_endpoint"], ca_bundle=info["ca_bundle"])
        return replace(self, target=target, tenant=info["tenant_id"], starting=False)

    async def resolved(self) -> Connection:
        """This connection `started` and a custom endpoint's cloud metadata read (where to sign in, the ARM
        audience). CloudMetadataError (a ValueError) when the metadata cannot be read."""
        connection = await self.started()
        if not connection.discover:
            return connection
        from tui.azure import discover_target  # azure-core: after the first paint

        target = await discover_target(
            connection.target.arm_endpoint, connection.target.ca_bundle, authority_host=self.authority_host
        )
        return replace(connection, target=target, discover=False)

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
            from tui.azure import device_code_message  # azure-identity: loaded for sign-in only

            print(device_code_message(uri, code), file=err, flush=True)

        return self.credential(device_code_prompt=prompt) if self.auth == "device-code" else self.credential()

    def factory(
        self, credential: AsyncTokenCredential, *, read_only: bool | None = None, **kwargs: Any
    ) -> ClientFactory:
        """Clients for this target; ``read_only`` narrows (or, for a confirmed write, widens) the connection's."""
        from tui.azure import ClientFactory  # azure-core: after the first paint

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


def _child_environment() -> dict[str, str]:
    """This environment, with the directory this `tui` was imported from first on PYTHONPATH, and no CA
    store: the emulator serves TLS and never verifies a peer, but aiohttp builds two client contexts when
    it is imported, each reading the system's CA store (~0.1 s of the emulator's start, cProfile)."""
    root = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    env["SSL_CERT_FILE"] = env["SSL_CERT_DIR"] = os.devnull  # OpenSSL's names for the default CA store
    return env


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
    """Resolve the options; begin the emulator for --demo / --estate (``emulator_config``: options of the
    emulator command, as `EmulatorStart` takes them). Raises UsageError on bad input."""
    if args.authority_host:
        try:
            parse_authority(args.authority_host)
        except ValueError as e:
            raise UsageError(f"--authority-host: {e}") from None
    if args.demo or args.estate:
        if (
            args.estate
        ):  # the user's file: checked now, so that a bad one is a usage error before anything starts
            from tui.emulator import EstateError, load_estate

            try:
                load_estate(args.estate)
            except EstateError as e:
                raise UsageError(str(e)) from None
        emulator = EmulatorStart(args.estate or str(DEMO_ESTATE), emulator_config)
        emulator.begin()
        return Connection(
            Target.for_endpoint(LOOPBACK),
            "managed-identity",
            None,
            args.read_only,
            emulator,
            args.estate or str(DEMO_ESTATE),
            authority_host=args.authority_host,
            discover=True,
            memory=SignInMemory(allow_unencrypted=args.allow_unencrypted_token_cache),
            starting=True,
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
