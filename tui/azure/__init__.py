"""Talking to Azure: clouds, credentials, the client factory, the read-only guard, error explanations.

No Textual imports here, and nothing from ``tui.emulator``.
"""

from .clients import ClientFactory, RequestIdHook, ResponseObserver, default_user_agent
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

__all__ = [
    "AUTH_METHODS",
    "CLOUDS",
    "CUSTOM_CLOUD",
    "DEFAULT_CLOUD",
    "INTERACTIVE_METHODS",
    "PUBLIC_CLOUD_SCOPE",
    "READ_ONLY_POST_SUFFIXES",
    "ArmPacer",
    "AutoRegistrationGuard",
    "ClientFactory",
    "Cloud",
    "CloudMetadata",
    "CloudMetadataError",
    "DeviceCodePrompt",
    "InteractiveSignIn",
    "PacingPolicy",
    "Problem",
    "ProviderNotRegisteredError",
    "ReadOnlyPolicy",
    "ReadOnlyViolation",
    "RequestIdHook",
    "ResponseObserver",
    "SignInCancelled",
    "SignInMemory",
    "Target",
    "ThreadedCredential",
    "config_dir",
    "default_user_agent",
    "describe_identity",
    "device_code_message",
    "discover_target",
    "explain",
    "is_read_only_request",
    "make_credential",
    "parse_authority",
    "parse_cloud_metadata",
    "read_only_policies",
    "request_id_of",
    "role_for_action",
    "scope_for_audience",
]
