"""What sign-in tests share: a private home and config dir (never the user's real token cache or keyring),
no ambient credentials, device code approval through the emulator's endpoint, a service principal
certificate.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import ssl
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

AMBIENT = (
    "IDENTITY_ENDPOINT",
    "IDENTITY_HEADER",
    "MSI_ENDPOINT",
    "MSI_SECRET",
    "IMDS_ENDPOINT",
    "IDENTITY_SERVER_THUMBPRINT",
    "AZURE_CLIENT_ID",
    "AZURE_CLIENT_SECRET",
    "AZURE_TENANT_ID",
    "AZURE_CLIENT_CERTIFICATE_PATH",
    "AZURE_CLIENT_CERTIFICATE_PASSWORD",
    "AZURE_FEDERATED_TOKEN_FILE",
    "AZURE_AUTHORITY_HOST",
    "AZURE_TOKEN_CREDENTIALS",
    "AZURE_USERNAME",
)
CODE_IN_MESSAGE = re.compile(r"enter the code (\S+) to authenticate")


@pytest.fixture
def signin_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """A home and config dir of the test's own, no keyring (so an allowed cache is a file there), and no
    managed identity or service principal in the environment."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("VMBACKUP_PREP_CONFIG_DIR", str(home / "config"))
    monkeypatch.setitem(sys.modules, "gi", None)  # libsecret's bindings: unusable, as on most servers
    for name in AMBIENT:
        monkeypatch.delenv(name, raising=False)
    yield home


def http_json(url: str, ca_bundle: str, method: str = "GET", body: Any = None) -> tuple[int, Any]:
    """A blocking HTTPS call to the emulator (from threads and synchronous code)."""
    data = json.dumps(body).encode() if body is not None else (b"" if method == "POST" else None)
    request = urllib.request.Request(url, data=data, method=method)
    context = ssl.create_default_context(cafile=ca_bundle)
    try:
        with urllib.request.urlopen(request, context=context, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def decide(info: dict[str, Any], user_code: str, action: str = "approve", user: Any = None) -> dict[str, Any]:
    """Approve (or decline) a device code the way a test or a person does: the emulator's endpoint."""
    url = f"{info['arm_endpoint']}_emulator/device-codes/{user_code}/{action}"
    status, doc = http_json(url, info["ca_bundle"], "POST", user)
    assert status == 200, doc
    return doc


def certificate_pem(path: Path, common_name: str = "vmbackup-prep-ci") -> Path:
    """A service principal certificate as AZURE_CLIENT_CERTIFICATE_PATH takes it: RSA key + certificate, PEM."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        + cert.public_bytes(serialization.Encoding.PEM)
    )
    return path
