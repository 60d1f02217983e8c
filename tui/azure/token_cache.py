"""Remembered sign-in for device code and browser: azure-identity's persistent token cache plus the
`AuthenticationRecord` that says which account in it is ours, so a second run does not ask again.

Where things live:
- the records: ``sign-in.json`` in the user config dir (platformdirs; ``VMBACKUP_PREP_CONFIG_DIR``
  overrides it), mode 0600, replaced atomically. A record names an account (user name, tenant, authority), it
  holds no secret.
- the tokens: azure-identity's cache named ``vmbackup-prep``: encrypted by the platform (Keychain, DPAPI,
  libsecret). Where encryption is impossible (libsecret is missing on most Linux servers and unusable in SSH
  sessions without a D-Bus session) the tokens are kept in memory only, for the life of the process, unless
  the user allows an unencrypted file (``~/.IdentityService/vmbackup-prep.nocae``, mode 0600), as
  azure-identity requires (``TokenCachePersistenceOptions(allow_unencrypted_storage=True)``).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import platformdirs

if TYPE_CHECKING:  # azure-identity loads when a sign-in is looked up or remembered, not at startup
    from azure.identity import AuthenticationRecord, TokenCachePersistenceOptions

__all__ = ["CACHE_NAME", "CONFIG_DIR_ENV", "SignInMemory", "config_dir"]

_LOG = logging.getLogger(__name__)

APP_NAME = "vmbackup-prep"
CACHE_NAME = "vmbackup-prep"  # isolates our tokens from other apps' (TokenCachePersistenceOptions.name)
CONFIG_DIR_ENV = "VMBACKUP_PREP_CONFIG_DIR"
RECORDS_FILE = "sign-in.json"
RECORDS_FORMAT = "vmbackup-prep/sign-in/v1"
UNENCRYPTED_FLAG = "--allow-unencrypted-token-cache"
# azure-identity's own suffixes for the cache of plain tokens and of CAE tokens (azure/identity/_constants.py).
_CACHE_SUFFIXES = (".nocae", ".cae")


def config_dir() -> Path:
    """Where vmbackup-prep keeps its files: ``$VMBACKUP_PREP_CONFIG_DIR``, else the platform's user config dir
    (``~/.config/vmbackup-prep`` on Linux, honouring ``XDG_CONFIG_HOME``)."""
    override = os.environ.get(CONFIG_DIR_ENV)
    return Path(override).expanduser() if override else Path(platformdirs.user_config_dir(APP_NAME))


def _write_private(path: Path, text: str) -> None:
    """Replace ``path`` atomically with ``text``, readable by the owner only (0600; its directory 0700)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # mkstemp creates it 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _netloc(authority: str) -> str:
    """``https://login.microsoftonline.com/`` and ``login.microsoftonline.com`` -> ``login.microsoftonline.com``."""
    text = authority.strip()
    return (urlsplit(text).netloc if "//" in text else text.split("/")[0]).lower()


def _platform_persistence(cache_name: str, allow_unencrypted: bool) -> Any:
    """The msal-extensions persistence azure-identity uses for ``cache_name`` on this platform.

    azure-identity keeps the choice (Keychain, DPAPI file, libsecret, or a plain file as the fallback) in a
    private helper; using it is the only way to find the same store it writes to. Raises ValueError when
    encryption is impossible and ``allow_unencrypted`` is False, as azure-identity itself does.
    """
    from azure.identity._persistent_cache import _get_persistence  # private: see above

    return _get_persistence(
        allow_unencrypted=allow_unencrypted, account_name="MSALCache", cache_name=cache_name
    )


@dataclass
class ForgetResult:
    """What `SignInMemory.forget` removed."""

    accounts: list[str]
    caches: list[str]

    def __str__(self) -> str:
        if not self.accounts and not self.caches:
            return "Nothing to forget: no sign-in is remembered."
        who = ", ".join(self.accounts) or "no remembered account"
        where = ", ".join(self.caches) or "no token cache"
        return f"Signed out: forgot {who}; cleared {where}."


class SignInMemory:
    """The remembered sign-ins of this user: records in ``directory``, tokens in azure-identity's cache."""

    def __init__(self, directory: Path | None = None, *, allow_unencrypted: bool = False) -> None:
        self.directory = directory or config_dir()
        self.allow_unencrypted = allow_unencrypted
        self._options: TokenCachePersistenceOptions | None = None
        self._probed = False
        self.note: str | None = None  # why sign-in is not remembered, or that it is kept unencrypted

    @property
    def records_path(self) -> Path:
        return self.directory / RECORDS_FILE

    @staticmethod
    def cache_file(suffix: str = ".nocae") -> Path:
        """Where azure-identity keeps the cache file (or, when encrypted by libsecret/Keychain, its signal file)."""
        return Path.home() / ".IdentityService" / f"{CACHE_NAME}{suffix}"

    # -- the token cache ----------------------------------------------------------------------------------
    def cache_options(self) -> TokenCachePersistenceOptions | None:
        """Options for a persistent cache, or None when tokens can only be kept in memory (see ``note``)."""
        if self._probed:
            return self._options
        self._probed = True
        try:
            persistence = _platform_persistence(CACHE_NAME + ".nocae", allow_unencrypted=False)
            encrypted = bool(getattr(persistence, "is_encrypted", True))
        except (ValueError, ImportError, NotImplementedError, RuntimeError) as e:
            _LOG.debug("token cache encryption unavailable: %s", e)
            encrypted = False
        if not encrypted and not self.allow_unencrypted:
            self.note = (
                "Sign-in will not be remembered: there is no keyring to encrypt the token cache (libsecret is "
                "missing or has no D-Bus session, as on most servers and over SSH). Pass "
                f"{UNENCRYPTED_FLAG} to keep it in {self.cache_file()}, readable only by you."
            )
            return None
        if not encrypted:
            self.note = f"Sign-in is remembered in {self.cache_file()} (not encrypted, readable only by you)."
        from azure.identity import TokenCachePersistenceOptions

        self._options = TokenCachePersistenceOptions(
            name=CACHE_NAME, allow_unencrypted_storage=self.allow_unencrypted
        )
        return self._options

    # -- records ------------------------------------------------------------------------------------------
    def _records(self) -> list[AuthenticationRecord]:
        from azure.identity import AuthenticationRecord

        try:
            doc = json.loads(self.records_path.read_text(encoding="utf-8"))
            return [AuthenticationRecord.deserialize(json.dumps(r)) for r in doc.get("records", [])]
        except FileNotFoundError:
            return []
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as e:  # unreadable: start afresh
            _LOG.warning("ignoring unreadable %s: %s", self.records_path, e)
            return []

    def load(self, authority: str, tenant_id: str | None = None) -> AuthenticationRecord | None:
        """The account last signed in at ``authority`` (and in ``tenant_id`` when given), or None."""
        host = _netloc(authority)
        for record in reversed(self._records()):
            if _netloc(record.authority) == host and (
                not tenant_id or record.tenant_id.lower() == tenant_id.lower()
            ):
                return record
        return None

    def save(self, record: AuthenticationRecord) -> None:
        """Remember ``record`` (replacing the one for the same authority and tenant)."""
        key = (_netloc(record.authority), record.tenant_id.lower())
        kept = [r for r in self._records() if (_netloc(r.authority), r.tenant_id.lower()) != key]
        doc = {"format": RECORDS_FORMAT, "records": [json.loads(r.serialize()) for r in [*kept, record]]}
        _write_private(self.records_path, json.dumps(doc, indent=2) + "\n")

    # -- logout -------------------------------------------------------------------------------------------
    def forget(self) -> ForgetResult:
        """Forget every remembered account and clear the token cache (both azure-identity's plain and CAE
        caches), wherever azure-identity keeps it."""
        accounts = [r.username for r in self._records()]
        with contextlib.suppress(FileNotFoundError):
            self.records_path.unlink()
        caches: list[str] = []
        for suffix in _CACHE_SUFFIXES:
            path = self.cache_file(suffix)
            if not path.exists():
                continue
            try:  # an encrypted cache lives in the keyring: empty it there; the file only signals changes
                _platform_persistence(CACHE_NAME + suffix, allow_unencrypted=True).save("{}")
            except Exception as e:  # the file is removed below in any case
                _LOG.debug("could not empty %s through msal-extensions: %s", path, e)
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            caches.append(str(path))
        return ForgetResult(accounts, caches)
