"""The device authorization grant's server side, as Microsoft Entra runs it: codes, approval and polling.

Source: https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code (request, response, the
15-minute default lifetime, the 5-second polling interval, the expected polling errors). Approval is what a
person does at the verification page; here a test or a person does it through the emulator's approval
endpoint, or the emulator does it by itself ``approve_after`` seconds after the code was issued.
"""

from __future__ import annotations

import re
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

# Entra's user codes are 8-9 characters of upper-case letters and digits ("BPPVYQZMA"). No 0/O, 1/I/L.
_USER_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_USER_CODE_LENGTH = 9
DEFAULT_EXPIRES_IN = 900  # the docs: "the user has 15 minutes to sign in"
DEFAULT_INTERVAL = 5

PollState = Literal["pending", "approved", "declined", "expired", "unknown"]


@dataclass(frozen=True, slots=True)
class User:
    """The person who approves a device code: what the issued tokens say about them."""

    name: str
    upn: str

    @property
    def oid(self) -> str:
        """A stable object id per user principal name (the same user gets the same id on every run)."""
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"vmbackup-prep:user:{self.upn.lower()}"))


def default_user(tenant_display_name: str | None) -> User:
    """The emulator's one user: an admin of the estate's tenant, with an initial-domain style UPN."""
    slug = re.sub(r"[^a-z0-9]", "", (tenant_display_name or "").lower()) or "emulator"
    return User(name="Alex Admin", upn=f"alex.admin@{slug}.onmicrosoft.com")


@dataclass(slots=True)
class DeviceCode:
    device_code: str
    user_code: str
    client_id: str
    tenant: str
    scope: str
    issued_at: float
    expires_at: float
    state: Literal["pending", "approved", "declined"] = "pending"
    user: User | None = None


class DeviceCodeError(Exception):
    """An approval that cannot be made: unknown code (404) or a code no longer pending (409)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class DeviceCodeStore:
    """Device codes of one emulator. ``approve_after`` (seconds) approves every code by itself."""

    user: User
    expires_in: int = DEFAULT_EXPIRES_IN
    interval: int = DEFAULT_INTERVAL
    approve_after: float | None = None
    clock: Callable[[], float] = time.time
    _by_device: dict[str, DeviceCode] = field(default_factory=dict)
    _by_user: dict[str, DeviceCode] = field(default_factory=dict)

    def issue(self, client_id: str, tenant: str, scope: str) -> DeviceCode:
        now = self.clock()
        user_code = "".join(secrets.choice(_USER_CODE_ALPHABET) for _ in range(_USER_CODE_LENGTH))
        code = DeviceCode(
            device_code=secrets.token_urlsafe(48),
            user_code=user_code,
            client_id=client_id,
            tenant=tenant,
            scope=scope,
            issued_at=now,
            expires_at=now + self.expires_in,
        )
        self._by_device[code.device_code] = code
        self._by_user[user_code] = code
        return code

    def _settle(self, code: DeviceCode) -> None:
        if (
            code.state == "pending"
            and self.approve_after is not None
            and self.clock() >= code.issued_at + self.approve_after
            and not self._expired(code)
        ):
            code.state, code.user = "approved", self.user

    def _expired(self, code: DeviceCode) -> bool:
        return self.clock() >= code.expires_at

    def find(self, user_code: str) -> DeviceCode:
        """The code a person typed (case-insensitive, dashes and spaces ignored); DeviceCodeError if unknown."""
        key = re.sub(r"[\s-]", "", user_code).upper()
        code = self._by_user.get(key)
        if code is None:
            raise DeviceCodeError(404, f"No device code '{user_code}' was issued by this emulator.")
        self._settle(code)
        return code

    def _decide(
        self, user_code: str, state: Literal["approved", "declined"], user: User | None
    ) -> DeviceCode:
        code = self.find(user_code)
        if self._expired(code):
            raise DeviceCodeError(409, f"Device code '{code.user_code}' has expired.")
        if code.state != "pending":
            raise DeviceCodeError(409, f"Device code '{code.user_code}' was already {code.state}.")
        code.state = state
        code.user = (user or self.user) if state == "approved" else None
        return code

    def approve(self, user_code: str, user: User | None = None) -> DeviceCode:
        """Sign in as ``user`` (default: the emulator's user) with this code."""
        return self._decide(user_code, "approved", user)

    def decline(self, user_code: str) -> DeviceCode:
        """Refuse the sign-in, as a user who answers "No, cancel" at the verification page."""
        return self._decide(user_code, "declined", None)

    def poll(self, device_code: str) -> tuple[PollState, DeviceCode | None]:
        """What the token endpoint answers for ``device_code``. An approved code is redeemed once."""
        code = self._by_device.get(device_code)
        if code is None:
            return "unknown", None
        self._settle(code)
        if code.state == "pending":
            return ("expired" if self._expired(code) else "pending"), code
        if code.state == "approved":  # single use: the next poll with it is unknown
            del self._by_device[code.device_code]
            self._by_user.pop(code.user_code, None)
            return "approved", code
        return "declined", code

    def listing(self) -> list[dict[str, object]]:
        """Codes not redeemed yet, for people and tests (never the device_code: it is the client's secret)."""
        now = self.clock()
        out: list[dict[str, object]] = []
        for code in self._by_user.values():
            self._settle(code)
            state = "expired" if code.state == "pending" and self._expired(code) else code.state
            out.append(
                {
                    "user_code": code.user_code,
                    "state": state,
                    "client_id": code.client_id,
                    "expires_in": max(0, int(code.expires_at - now)),
                }
            )
        return out


@dataclass(frozen=True, slots=True)
class RefreshGrant:
    user: User
    client_id: str
    tenant: str


@dataclass
class RefreshTokens:
    """Refresh tokens handed out with user tokens; opaque, remembered for the life of the process (so after a
    restart a client's cached refresh token is unknown and it must sign in again, as after a revocation)."""

    _grants: dict[str, RefreshGrant] = field(default_factory=dict)

    def issue(self, grant: RefreshGrant) -> str:
        token = secrets.token_urlsafe(64)
        self._grants[token] = grant
        return token

    def redeem(self, token: str, client_id: str) -> RefreshGrant | None:
        grant = self._grants.get(token)
        return grant if grant is not None and grant.client_id == client_id else None
