"""Talking to Azure: clouds, credentials, the client factory, the read-only guard, error explanations.

No Textual imports here, and nothing from ``tui.emulator``.
"""

from .clients import ClientFactory, ResponseObserver, default_user_agent
from .clouds import CLOUDS, CUSTOM_CLOUD, DEFAULT_CLOUD, PUBLIC_CLOUD_SCOPE, Cloud, Target
from .credentials import (
    AUTH_METHODS,
    DeviceCodePrompt,
    ThreadedCredential,
    describe_identity,
    make_credential,
)
from .errors import Problem, explain, role_for_action
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

__all__ = [
    "AUTH_METHODS",
    "CLOUDS",
    "CUSTOM_CLOUD",
    "DEFAULT_CLOUD",
    "PUBLIC_CLOUD_SCOPE",
    "READ_ONLY_POST_SUFFIXES",
    "ArmPacer",
    "AutoRegistrationGuard",
    "ClientFactory",
    "Cloud",
    "DeviceCodePrompt",
    "PacingPolicy",
    "Problem",
    "ProviderNotRegisteredError",
    "ReadOnlyPolicy",
    "ReadOnlyViolation",
    "ResponseObserver",
    "Target",
    "ThreadedCredential",
    "default_user_agent",
    "describe_identity",
    "explain",
    "is_read_only_request",
    "make_credential",
    "read_only_policies",
    "role_for_action",
]
