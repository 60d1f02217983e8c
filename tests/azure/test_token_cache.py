"""Remembered sign-ins: where the records go, what they are matched on, how the token cache is chosen (keyring,
or a plain file only when allowed), and what logout forgets."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from azure.identity import AuthenticationRecord

from tests.signin_support import signin_home  # noqa: F401 (the fixture used here)
from tui.azure import SignInMemory, config_dir
from tui.azure import token_cache as tc

pytestmark = pytest.mark.usefixtures("signin_home")


def _record(authority: str, tenant: str = "t-1", user: str = "ada@contoso.com") -> AuthenticationRecord:
    return AuthenticationRecord(tenant, "04b07795", authority, f"oid.{tenant}", user)


def test_the_config_dir_follows_the_override_then_xdg(monkeypatch, tmp_path):
    assert config_dir() == Path(os.environ["HOME"]) / "config"  # VMBACKUP_PREP_CONFIG_DIR (signin_home)
    monkeypatch.delenv("VMBACKUP_PREP_CONFIG_DIR")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert config_dir() == tmp_path / "xdg" / "vmbackup-prep"


def test_records_are_private_replaced_atomically_and_matched_by_authority_and_tenant():
    memory = SignInMemory()
    memory.save(_record("login.microsoftonline.com"))
    memory.save(_record("127.0.0.1:4443", user="alex@emulator"))
    memory.save(_record("login.microsoftonline.com", tenant="t-2", user="bob@fabrikam.com"))
    memory.save(_record("login.microsoftonline.com", user="ada2@contoso.com"))  # replaces the first
    path = memory.records_path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert [p.name for p in path.parent.iterdir()] == ["sign-in.json"]  # no temporary file left behind
    doc = json.loads(path.read_text())
    assert doc["format"] == "vmbackup-prep/sign-in/v1" and len(doc["records"]) == 3
    assert memory.load("https://127.0.0.1:4443").username == "alex@emulator"
    assert memory.load("https://login.microsoftonline.com/").username == "ada2@contoso.com"  # the latest
    assert memory.load("https://login.microsoftonline.com", "T-2").username == "bob@fabrikam.com"
    assert memory.load("https://login.microsoftonline.us") is None
    assert memory.load("https://login.microsoftonline.com", "t-3") is None


def test_an_unreadable_records_file_is_ignored_not_fatal():
    memory = SignInMemory()
    memory.records_path.parent.mkdir(parents=True)
    memory.records_path.write_text("{not json")
    assert memory.load("https://login.microsoftonline.com") is None
    memory.save(_record("login.microsoftonline.com"))  # and it is replaced by a good one
    assert memory.load("https://login.microsoftonline.com") is not None


def test_without_a_keyring_tokens_stay_in_memory_unless_a_file_is_allowed():
    memory = SignInMemory()
    assert memory.cache_options() is None
    assert "will not be remembered" in memory.note and "--allow-unencrypted-token-cache" in memory.note
    allowed = SignInMemory(allow_unencrypted=True)
    options = allowed.cache_options()
    assert options is not None and options.name == "vmbackup-prep" and options.allow_unencrypted_storage
    assert "not encrypted" in allowed.note and str(SignInMemory.cache_file()) in allowed.note


def test_with_a_keyring_the_cache_is_encrypted_and_nothing_needs_saying(monkeypatch):
    class Keyring:
        is_encrypted = True

    monkeypatch.setattr(tc, "_platform_persistence", lambda name, allow_unencrypted: Keyring())
    memory = SignInMemory()
    options = memory.cache_options()
    assert options is not None and not options.allow_unencrypted_storage and memory.note is None


def test_forget_removes_the_records_and_both_token_caches():
    memory = SignInMemory()
    memory.save(_record("login.microsoftonline.com"))
    caches = [SignInMemory.cache_file(".nocae"), SignInMemory.cache_file(".cae")]
    for cache in caches:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text('{"AccessToken": {"k": {"secret": "s"}}}')
    other = caches[0].parent / "msal.cache.nocae"  # another application's cache is not ours to clear
    other.write_text("{}")
    result = memory.forget()
    assert result.accounts == ["ada@contoso.com"] and result.caches == [str(c) for c in caches]
    assert "ada@contoso.com" in str(result)
    assert not memory.records_path.exists() and not any(c.exists() for c in caches) and other.exists()
    assert str(memory.forget()) == "Nothing to forget: no sign-in is remembered."
