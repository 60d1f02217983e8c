"""Access tokens the emulator issues and accepts: HS256 JWTs signed with a per-process secret."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
import uuid
from collections.abc import Mapping
from typing import Any


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenIssuer:
    """Issues JWTs carrying ``tid`` and ``oid`` and checks the ones presented to ARM routes."""

    def __init__(self, tenant_id: str, lifetime_s: int = 3600) -> None:
        self.tenant_id = tenant_id
        self.lifetime_s = lifetime_s
        self._key = secrets.token_bytes(32)

    def issue(
        self,
        *,
        audience: str,
        client_id: str,
        object_id: str | None = None,
        kind: str = "app",
        extra: Mapping[str, Any] | None = None,
    ) -> tuple[str, int]:
        """An access token for ``audience``; ``extra`` adds claims (a user's ``name``, ``upn``, ``scp``)."""
        now = int(time.time())
        exp = now + self.lifetime_s
        oid = object_id or str(uuid.uuid5(uuid.NAMESPACE_URL, f"vmbackup-prep:{client_id}"))
        claims = {
            "aud": audience,
            "iss": f"https://sts.windows.net/{self.tenant_id}/",
            "iat": now,
            "nbf": now,
            "exp": exp,
            "tid": self.tenant_id,
            "oid": oid,
            "sub": oid,
            "appid": client_id,
            "idtyp": kind,
            "ver": "1.0",
            "uti": secrets.token_urlsafe(16),  # Entra's unique token identifier: no two tokens are equal
            **(extra or {}),
        }
        return self.sign(claims), exp

    def sign(self, claims: Mapping[str, Any]) -> str:
        """A JWT carrying ``claims``, signed with this emulator's key (``verify`` accepts it)."""
        head = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        body = _b64(json.dumps(claims, separators=(",", ":")).encode())
        sig = _b64(hmac.new(self._key, f"{head}.{body}".encode(), hashlib.sha256).digest())
        return f"{head}.{body}.{sig}"

    def verify(self, token: str) -> dict[str, Any] | None:
        """Claims of a valid, unexpired token of ours; None otherwise."""
        try:
            head, body, sig = token.split(".")
        except ValueError:
            return None
        want = _b64(hmac.new(self._key, f"{head}.{body}".encode(), hashlib.sha256).digest())
        if not hmac.compare_digest(want, sig):
            return None
        try:
            claims = json.loads(_unb64(body))
        except ValueError:
            return None
        if int(claims.get("exp", 0)) < time.time():
            return None
        return claims
