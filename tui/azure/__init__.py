"""Talking to Azure: clouds, credentials, the client factory, the read-only guard, error explanations.

No Textual imports here, and nothing from ``tui.emulator``.

Names are exported lazily (PEP 562): ``from tui.azure import explain`` loads only ``errors`` (azure-core),
never the management SDKs or azure-identity, which load where they are used (`ClientFactory`'s builders,
`make_credential`), after the wizard's first paint. Keep it so: ``tests/test_startup_imports.py`` checks it.
"""

# ruff: noqa: F401  (the TYPE_CHECKING imports are for type checkers: `__getattr__` serves them)
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what type checkers and readers see; at run time `__getattr__` loads each on first use
    from .clients import (
        ClientFactory,
        RequestIdHook,
        ResponseObserver,
        default_user_agent,
        load_management_sdks,
    )
    from .cloud_metadata import CloudMetadata, CloudMetadataError, discover_target, parse_cloud_metadata
    from .clouds import (
        CLOUDS,
        CUSTOM_CLOUD,
        DEFAULT_CLOUD,
        PUBLIC_CLOUD_SCOPE,
        Cloud,
        Target,
        parse_authority,
        scope_for_audience,
    )
    from .credentials import (
        AUTH_METHODS,
        INTERACTIVE_METHODS,
        describe_identity,
        load_sign_in_sdks,
        make_credential,
    )
    from .errors import Problem, explain, request_id_of, role_for_action
    from .interactive import (
        DeviceCodePrompt,
        InteractiveSignIn,
        SignInCancelled,
        ThreadedCredential,
        device_code_message,
    )
    from .pacing import ArmPacer, PacingPolicy
    from .readonly import (
        READ_ONLY_POST_SUFFIXES,
        AutoRegistrationGuard,
        ProviderNotRegisteredError,
        ReadOnlyPolicy,
        ReadOnlyViolation,
        is_read_only_request,
        read_only_policies,
    )
    from .token_cache import SignInMemory, config_dir

_EXPORTS: dict[str, tuple[str, ...]] = {
    "clients": (
        "ClientFactory",
        "RequestIdHook",
        "ResponseObserver",
        "default_user_agent",
        "load_management_sdks",
    ),
    "cloud_metadata": ("CloudMetadata", "CloudMetadataError", "discover_target", "parse_cloud_metadata"),
    "clouds": (
        "CLOUDS",
        "CUSTOM_CLOUD",
        "DEFAULT_CLOUD",
        "PUBLIC_CLOUD_SCOPE",
        "Cloud",
        "Target",
        "parse_authority",
        "scope_for_audience",
    ),
    "credentials": (
        "AUTH_METHODS",
        "INTERACTIVE_METHODS",
        "describe_identity",
        "load_sign_in_sdks",
        "make_credential",
    ),
    "errors": ("Problem", "explain", "request_id_of", "role_for_action"),
    "interactive": (
        "DeviceCodePrompt",
        "InteractiveSignIn",
        "SignInCancelled",
        "ThreadedCredential",
        "device_code_message",
    ),
    "pacing": ("ArmPacer", "PacingPolicy"),
    "readonly": (
        "READ_ONLY_POST_SUFFIXES",
        "AutoRegistrationGuard",
        "ProviderNotRegisteredError",
        "ReadOnlyPolicy",
        "ReadOnlyViolation",
        "is_read_only_request",
        "read_only_policies",
    ),
    "token_cache": ("SignInMemory", "config_dir"),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted(_MODULE_OF)


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # the next look-up is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
