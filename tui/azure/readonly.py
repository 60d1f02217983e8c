"""``--read-only`` enforced in the SDK pipeline: writes are refused before they leave the process.

Two policies, both sans-I/O (so one instance can sit at two places in a pipeline):

* `ReadOnlyPolicy` refuses PUT, PATCH, DELETE and any POST that is not one of the read-only POSTs in
  `READ_ONLY_POST_SUFFIXES`, raising `ReadOnlyViolation`.
* `AutoRegistrationGuard` stops azure-mgmt-core's ``AsyncARMAutoResourceProviderRegistrationPolicy``: on a 409
  ``MissingSubscriptionRegistration`` that policy POSTs ``.../providers/{ns}/register`` by itself and then
  sleeps 10 s per poll until the provider is Registered. The guard refuses that POST and raises
  `ProviderNotRegisteredError` (a ``ResourceExistsError`` carrying the original 409) instead. A readiness
  check must never change a subscription unasked, so `ClientFactory` puts the guard in every client, not
  only under ``--read-only`` (the user's explicit registration goes through `ClientFactory.registration`).

`read_only_policies` returns them arranged for a client's ``per_call_policies`` / ``per_retry_policies``;
see its docstring for why both places are needed.
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any
from urllib.parse import unquote, urlsplit

from azure.core.exceptions import AzureError, ResourceExistsError
from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import SansIOHTTPPolicy

__all__ = [
    "READ_ONLY_POST_SUFFIXES",
    "SAFE_METHODS",
    "AutoRegistrationGuard",
    "ProviderNotRegisteredError",
    "ReadOnlyPolicy",
    "ReadOnlyViolation",
    "is_read_only_request",
    "read_only_policies",
]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
"""Methods that never change anything."""

READ_ONLY_POST_SUFFIXES: tuple[str, ...] = (
    "/backupstatus",
    "/backupprevalidateprotection",
    "/backupvalidatefeatures",
    "/checknameavailability",
    "/effectivenetworksecuritygroups",
    "/effectiveroutetable",
)
"""Path endings (lower case) of POST operations that only read (design.md §3)."""

_REGISTER_PATH = re.compile(
    r"/subscriptions/(?P<sub>[^/]+)/providers/(?P<ns>[^/]+)/register/?$", re.IGNORECASE
)


class ReadOnlyViolation(AzureError):
    """A request that would change Azure was refused by ``--read-only``; nothing was sent."""

    def __init__(self, method: str, path: str) -> None:
        self.method = method
        self.path = path
        super().__init__(f"{method} {path} refused by --read-only; nothing was sent")


class ProviderNotRegisteredError(ResourceExistsError):
    """ARM answered 409 MissingSubscriptionRegistration and automatic registration was not allowed.

    ``status_code`` is 409 and ``error`` the ARM error when the original response is known.
    """

    def __init__(self, namespace: str, subscription_id: str, response: Any = None) -> None:
        from azure.mgmt.core.exceptions import ARMErrorFormat  # with the clients, not at startup

        super().__init__(response=response, error_format=ARMErrorFormat)
        self.namespace = namespace
        self.subscription_id = subscription_id
        if self.status_code is None:
            self.status_code = 409
        self.remedy = f"az provider register --namespace {namespace} --subscription {subscription_id}"
        self.message = (
            f"Resource provider {namespace} is not registered in subscription {subscription_id} "
            f"(MissingSubscriptionRegistration). vmbackup-prep never lets the SDK register it by itself; "
            f"nothing was sent. Register it with: {self.remedy}"
        )
        self.args = (self.message,)

    def __str__(self) -> str:
        return self.message


def _path(url: str) -> str:
    return urlsplit(url).path or "/"


def is_read_only_request(method: str, url: str) -> bool:
    """True if ``method url`` cannot change Azure (safe method, or one of the read-only POSTs)."""
    method = method.upper()
    if method in SAFE_METHODS:
        return True
    if method == "POST":
        path = unquote(_path(url)).rstrip("/").lower()
        return path.endswith(READ_ONLY_POST_SUFFIXES)
    return False


class ReadOnlyPolicy(SansIOHTTPPolicy[Any, Any]):
    """Raises `ReadOnlyViolation` for any request that would change Azure, before it is sent."""

    def on_request(self, request: PipelineRequest[Any]) -> None:
        http_request = request.http_request
        if not is_read_only_request(http_request.method, http_request.url):
            raise ReadOnlyViolation(http_request.method.upper(), _path(http_request.url))


def _missing_registration_namespace(response: PipelineResponse[Any, Any]) -> str | None:
    """The namespace named by a 409 MissingSubscriptionRegistration, else None."""
    http_response = response.http_response
    if http_response.status_code != 409:
        return None
    try:
        error = json.loads(http_response.text())["error"]
    except Exception:  # not JSON, or not the ARM envelope
        return None
    if not isinstance(error, dict) or error.get("code") != "MissingSubscriptionRegistration":
        return None
    for detail in error.get("details") or []:
        if isinstance(detail, dict) and detail.get("target"):
            return str(detail["target"])
    match = re.match(r".*'(.*)'", str(error.get("message", "")))  # the same rule azure-mgmt-core applies
    return match.group(1) if match else None


class AutoRegistrationGuard(SansIOHTTPPolicy[Any, Any]):
    """Refuses the SDK's automatic provider registration POST and surfaces the 409 instead.

    It must sit *below* ``AsyncARMAutoResourceProviderRegistrationPolicy`` (a per-retry policy does), so
    it sees both the 409 on the way up and that policy's own register POST on the way down. It refuses every
    register POST, so install it only in clients that never register on purpose (`ClientFactory` keeps one
    client without it for the user's explicit registration).
    """

    def __init__(self) -> None:
        self._pending: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def on_response(self, request: PipelineRequest[Any], response: PipelineResponse[Any, Any]) -> None:
        namespace = _missing_registration_namespace(response)
        if namespace is None:
            return
        match = re.search(r"/subscriptions/([^/]+)", _path(request.http_request.url), re.IGNORECASE)
        if match:
            with self._lock:
                self._pending[(match.group(1).lower(), namespace.lower())] = response.http_response

    def on_request(self, request: PipelineRequest[Any]) -> None:
        http_request = request.http_request
        if http_request.method.upper() != "POST":
            return
        match = _REGISTER_PATH.search(unquote(_path(http_request.url)))
        if not match:
            return
        sub, namespace = match.group("sub"), match.group("ns")
        with self._lock:
            response = self._pending.pop((sub.lower(), namespace.lower()), None)
        raise ProviderNotRegisteredError(namespace, sub, response)


def read_only_policies() -> tuple[list[SansIOHTTPPolicy[Any, Any]], list[SansIOHTTPPolicy[Any, Any]]]:
    """``(per_call_policies, per_retry_policies)`` that make a mgmt client read-only.

    * per-call (the top of the pipeline, above retries): `ReadOnlyPolicy` refuses the caller's writes at
      once. Below the retry policy a refused PUT/DELETE would be retried with back-off first.
    * per-retry (below the retry policy, and therefore below ``AsyncARMAutoResourceProviderRegistrationPolicy``,
      which azure-mgmt-core places above redirect/retry in every client, TypeSpec or autorest): the
      `AutoRegistrationGuard`, then `ReadOnlyPolicy` again, so requests the pipeline makes by itself pass a
      guard too. The register POST is refused without retry (POST is not in the retry method list) before
      the 10 s sleep, so the 409 reaches the caller at once.

    Fresh lists each call: azure-mgmt-core appends to a ``per_call_policies`` list it is given.
    """
    read_only = ReadOnlyPolicy()
    return [read_only], [AutoRegistrationGuard(), read_only]
