"""The shape check of a certificate client assertion (``private_key_jwt``), as Microsoft Entra states it.

Source: https://learn.microsoft.com/entra/identity-platform/certificate-credentials ("Assertion format":
header ``alg``, ``typ``, ``x5t#S256`` (or the SHA-1 ``x5t`` that AD FS and older clients send); claims
``aud`` = the token endpoint, ``iss`` = ``sub`` = the client id, ``exp``, ``jti``, ``nbf``). The emulator has
no application registrations, so it cannot check the signature against a registered certificate: it checks
everything else, and that the signature part is there.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from typing import Any

CLOCK_SKEW_S = 300  # Entra tolerates five minutes of clock skew


def _segment(text: str) -> Any:
    # Some clients pad their base64url segments (azure-identity does), so padding is tolerated.
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    return json.loads(raw)


def assertion_problem(
    assertion: str, client_id: str, token_endpoints: tuple[str, ...], now: float | None = None
) -> tuple[int, str] | None:
    """Why ``assertion`` is not acceptable from ``client_id`` at one of ``token_endpoints``, as
    ``(AADSTS code, description)``; None when its shape is right.

    Codes from https://learn.microsoft.com/entra/identity-platform/reference-error-codes: 50027
    InvalidJwtToken (malformed, unexpected audience or issuer, not within its valid time range; "No certificate
    thumbprint specified in token header" is how Entra words a missing x5t), 50048 SubjectMismatchesIssuer.
    """
    now = time.time() if now is None else now
    parts = assertion.split(".")
    if len(parts) != 3 or not all(parts):
        return 50027, "Invalid JWT token. The token is malformed: it must have three non-empty parts."
    try:
        header, claims = _segment(parts[0]), _segment(parts[1])
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return (
            50027,
            "Invalid JWT token. The token is malformed: its header or payload is not base64url JSON.",
        )
    if not isinstance(header, dict) or not isinstance(claims, dict):
        return 50027, "Invalid JWT token. The token is malformed: header and payload must be JSON objects."
    if not (header.get("x5t#S256") or header.get("x5t")):
        return 50027, "Invalid JWT token. No certificate thumbprint specified in token header."
    if header.get("alg") not in ("PS256", "RS256"):
        return 50027, f"Invalid JWT token. Unsupported signing algorithm '{header.get('alg')}'."
    audience = str(claims.get("aud") or "").rstrip("/").lower()
    if audience not in {e.rstrip("/").lower() for e in token_endpoints}:
        return 50027, (
            f"Invalid JWT token. The audience '{claims.get('aud')}' is not the token endpoint "
            f"({token_endpoints[0]})."
        )
    issuer, subject = claims.get("iss"), claims.get("sub")
    if issuer != subject:
        return 50048, "Subject mismatches Issuer claim in the client assertion."
    if issuer != client_id:
        return 50027, f"Invalid JWT token. The issuer '{issuer}' is not the client_id '{client_id}'."
    if not claims.get("jti"):
        return 50027, "Invalid JWT token. The token has no 'jti' claim."
    exp, nbf = claims.get("exp"), claims.get("nbf")
    if not isinstance(exp, int | float):
        return 50027, "Invalid JWT token. The token has no 'exp' claim."
    if exp + CLOCK_SKEW_S < now:
        return 50027, "Invalid JWT token. The token is not within its valid time range: it has expired."
    if isinstance(nbf, int | float) and nbf - CLOCK_SKEW_S > now:
        return 50027, "Invalid JWT token. The token is not within its valid time range: it is not valid yet."
    return None
