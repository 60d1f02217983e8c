"""Turn SDK exceptions into a message a user can act on (never a traceback)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ServiceRequestError,
    ServiceResponseError,
)

from .readonly import ProviderNotRegisteredError, ReadOnlyViolation

__all__ = ["Problem", "explain", "request_id_of", "role_for_action"]

_AUTH_REMEDY = {
    "cli": "Sign in again with `az login` (and `az account set` to the right tenant), then retry.",
    "device-code": "Sign in again with --auth device-code (after `vmbackup-prep logout` if a remembered "
    "sign-in is refused).",
    "browser": "Sign in again with --auth browser (after `vmbackup-prep logout` if a remembered sign-in is "
    "refused).",
    "env": "Check AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (or AZURE_CLIENT_CERTIFICATE_PATH).",
    "managed-identity": "Check that this machine has a managed identity and that it is enabled.",
    "default": (
        "Sign in again: `az login`, or choose a method with --auth "
        "(cli, device-code, browser, env, managed-identity)."
    ),
}

_AUTHZ_RE = re.compile(
    r"does not have authorization to perform action '(?P<action>[^']+)' over scope '(?P<scope>[^']+)'",
    re.IGNORECASE,
)
_NAMESPACE_RE = re.compile(r"namespace '(?P<ns>[^']+)'", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Problem:
    """A failure explained: what happened, details, what to do about it."""

    title: str
    detail: str
    remedy: str
    status: int | None = None
    code: str | None = None

    @property
    def one_line(self) -> str:
        """``Title: detail`` without a trailing full stop, for tables, facts and short messages."""
        return (f"{self.title}: {self.detail}" if self.detail else self.title).rstrip(". ")

    def __str__(self) -> str:
        return f"{self.title}: {self.detail}\n{self.remedy}"


def request_id_of(exc: BaseException) -> str | None:
    """ARM's ``x-ms-request-id`` of the response an error came with (None without a response)."""
    headers = getattr(getattr(exc, "response", None), "headers", None)
    try:
        return headers.get("x-ms-request-id") if headers is not None else None
    except Exception:
        return None


def role_for_action(action: str) -> str:
    """The narrowest built-in role that grants ``action``."""
    a = action.lower()
    if a.endswith("/read"):
        return "Reader"
    if a.startswith("microsoft.compute/virtualmachines/runcommand") or a.startswith(
        "microsoft.compute/virtualmachines/runcommands"
    ):
        return "Virtual Machine Contributor"
    if a.endswith("/register/action"):
        return "Contributor"
    if a.startswith("microsoft.recoveryservices/"):
        return "Backup Contributor"
    if a.startswith("microsoft.compute/"):
        return "Virtual Machine Contributor"
    if a.startswith("microsoft.network/"):
        return "Network Contributor"
    return "Contributor"


def _error_fields(exc: HttpResponseError) -> tuple[str | None, str]:
    """(ARM error code, ARM error message) of an HTTP error, falling back to the exception text."""
    error = getattr(exc, "error", None)
    code = getattr(error, "code", None)
    message = getattr(error, "message", None) or str(getattr(exc, "message", None) or exc)
    return code, message


def _header(exc: HttpResponseError, name: str) -> str | None:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    try:
        return headers.get(name)
    except Exception:
        return None


def _namespace_from(exc: HttpResponseError, message: str) -> str | None:
    error = getattr(exc, "error", None)
    for detail in getattr(error, "details", None) or []:
        target = getattr(detail, "target", None)
        if target:
            return str(target)
    match = _NAMESPACE_RE.search(message) or re.match(r".*'(.*)'", message)
    return match.group(1) if match else None


def _subscription_from(exc: HttpResponseError) -> str | None:
    response = getattr(exc, "response", None)
    request = getattr(response, "request", None)
    url = getattr(request, "url", "") or ""
    match = re.search(r"/subscriptions/([^/?]+)", url, re.IGNORECASE)
    return match.group(1) if match else None


def _register_command(namespace: str, subscription: str | None) -> str:
    cmd = f"az provider register --namespace {namespace}"
    return f"{cmd} --subscription {subscription}" if subscription else cmd


def explain(exc: BaseException, *, auth: str | None = None) -> Problem:
    """Explain ``exc`` (any exception); ``auth`` is the ``--auth`` method in use, for sign-in advice.
    An exception that carries its own `Problem` (``exc.problem``) is explained by it."""
    own = getattr(exc, "problem", None)
    if isinstance(own, Problem):
        return own
    if isinstance(exc, ReadOnlyViolation):
        return Problem(
            title="Refused by --read-only",
            detail=f"{exc.method} {exc.path} would change Azure; nothing was sent.",
            remedy="Run without --read-only to make changes.",
            code="ReadOnly",
        )
    if isinstance(exc, ProviderNotRegisteredError):
        return Problem(
            title=f"Resource provider {exc.namespace} is not registered",
            detail=(
                f"Subscription {exc.subscription_id} is not registered for {exc.namespace}; "
                "vmbackup-prep never lets the SDK register it by itself (nothing was sent)."
            ),
            remedy=f"Register it (needs Contributor on the subscription): {exc.remedy}",
            status=409,
            code="MissingSubscriptionRegistration",
        )
    if isinstance(exc, ClientAuthenticationError):
        return _explain_auth(exc, auth)
    if isinstance(exc, HttpResponseError):
        return _explain_http(exc)
    if isinstance(exc, ServiceRequestError):
        return _explain_connect(exc)
    if isinstance(exc, ServiceResponseError | TimeoutError):
        return Problem(
            title="Azure did not answer in time",
            detail=str(exc) or type(exc).__name__,
            remedy="The connection dropped or timed out; retry. If it persists, check the network or proxy.",
            code="Timeout",
        )
    return Problem(
        title="Unexpected error",
        detail=f"{type(exc).__name__}: {exc}",
        remedy="Retry; if it happens again, report it with the session export.",
    )


# Sign-in outcomes worth their own words, by the AADSTS code in Entra's error (reference-error-codes) or the
# words azure-identity uses.
_SIGN_IN_ENDINGS: tuple[tuple[re.Pattern[str], str, str, str], ...] = (
    (
        # azure-identity's AzureCliCredential when `az` is not on PATH (azure_cli.py: CLI_NOT_FOUND)
        re.compile(r"Azure CLI not found on path", re.IGNORECASE),
        "The Azure CLI is not installed",
        "--auth cli signs in through the Azure CLI (az), and no `az` was found on PATH.",
        "Install the Azure CLI (https://learn.microsoft.com/cli/azure/install-azure-cli), run `az login`, "
        "then start again; or sign in another way: --auth device-code, browser, env or managed-identity.",
    ),
    (
        re.compile(r"Sign-in cancelled"),
        "Sign-in cancelled",
        "Nobody signed in: the sign-in was cancelled.",
        "Sign in again when you are ready.",
    ),
    (
        re.compile(r"AADSTS70020|AADSTS70019|Timed out waiting for user to authenticate"),
        "The sign-in code expired",
        "Nobody signed in with the device code before it expired.",
        "Sign in again: you get a new code. Enter it at the page shown before it expires.",
    ),
    (
        re.compile(r"authorization_declined|AADSTS65004"),
        "Sign-in declined",
        "The sign-in with the device code was declined at the verification page.",
        "Sign in again and approve the request, or use another account.",
    ),
    (
        re.compile(r"AADSTS7000215|AADSTS7000218|AADSTS50027|AADSTS50048|AADSTS700027|AADSTS700016"),
        "The service principal's credential was refused",
        "",
        "Check AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH.",
    ),
)


def _explain_auth(exc: ClientAuthenticationError, auth: str | None) -> Problem:
    remedy = _AUTH_REMEDY.get(auth or "default", _AUTH_REMEDY["default"])
    status = getattr(exc, "status_code", None)
    text = getattr(exc, "message", None) or str(exc)
    for pattern, title, detail, what in _SIGN_IN_ENDINGS:
        if pattern.search(text):
            first_line = text.strip().splitlines()[0] if text.strip() else title
            return Problem(
                title=title, detail=detail or first_line, remedy=what, status=status, code="SignIn"
            )
    if status == 401:
        code, message = _error_fields(exc)
        return Problem(
            title="Not signed in, or the sign-in expired",
            detail=f"Azure rejected the access token: {message}",
            remedy=remedy,
            status=401,
            code=code,
        )
    return Problem(
        title="Could not sign in",
        detail=getattr(exc, "message", None) or str(exc),
        remedy=remedy,
        status=status,
        code="CredentialUnavailable" if type(exc).__name__ == "CredentialUnavailableError" else None,
    )


def _explain_http(exc: HttpResponseError) -> Problem:
    status = exc.status_code
    code, message = _error_fields(exc)
    lcode = (code or "").lower()

    if status == 403 or lcode in ("authorizationfailed", "linkedauthorizationfailed"):
        if lcode == "requestdisallowedbypolicy":
            return Problem(
                title="Denied by Azure Policy",
                detail=message,
                remedy="A policy assignment forbids this request; ask the policy owner for an exemption.",
                status=status,
                code=code,
            )
        match = _AUTHZ_RE.search(message)
        if match:
            action, scope = match.group("action"), match.group("scope")
            role = role_for_action(action)
            return Problem(
                title="Permission missing",
                detail=f"Not allowed to perform {action} at {scope}.",
                remedy=(
                    f"Ask an Owner or User Access Administrator to assign the {role} role (or a role that "
                    f"grants {action}) at {scope} or above; role changes can take a few minutes to apply."
                ),
                status=status,
                code=code,
            )
        return Problem(
            title="Access denied",
            detail=message,
            remedy="Ask for Reader on the subscription (plus Backup Contributor to change backup settings).",
            status=status,
            code=code,
        )

    if status == 404:
        return Problem(
            title="Not found",
            detail=message,
            remedy="Check the name, resource group and subscription; it may have been deleted or moved.",
            status=404,
            code=code,
        )

    if status == 409:
        if lcode == "missingsubscriptionregistration":
            namespace = _namespace_from(exc, message) or "Microsoft.RecoveryServices"
            return Problem(
                title=f"Resource provider {namespace} is not registered",
                detail=message,
                remedy=f"Register it (needs Contributor on the subscription): "
                f"{_register_command(namespace, _subscription_from(exc))}",
                status=409,
                code=code,
            )
        return Problem(
            title="Conflict",
            detail=message,
            remedy="The resource is being changed by another operation or is in a state that forbids this; "
            "wait for it to finish and retry.",
            status=409,
            code=code,
        )

    if status == 429 or lcode in ("toomanyrequests", "subscriptionrequeststhrottled"):
        retry_after = _header(exc, "Retry-After")
        wait = f" Azure asked to wait {retry_after} s." if retry_after else ""
        return Problem(
            title="Throttled by Azure",
            detail=f"Too many requests.{wait} {message}".strip(),
            remedy="Wait a minute and retry, scan fewer subscriptions at once, or lower the concurrency.",
            status=status,
            code=code,
        )

    if status == 401:
        return _explain_auth(ClientAuthenticationError(message=message), None)

    if status is not None and status >= 500:
        return Problem(
            title="Azure service error",
            detail=message,
            remedy="A temporary problem on Azure's side; retry in a few minutes.",
            status=status,
            code=code,
        )

    return Problem(
        title=f"Request failed ({status})" if status else "Request failed",
        detail=message,
        remedy="Check the inputs shown above; the Azure error code tells what was rejected.",
        status=status,
        code=code,
    )


def _explain_connect(exc: ServiceRequestError) -> Problem:
    text = str(exc)
    if "non-TLS" in text or "non-https" in text:
        return Problem(
            title="Endpoint is not HTTPS",
            detail=text,
            remedy="Use an https:// ARM endpoint; tokens are never sent over plain HTTP.",
            code="InsecureEndpoint",
        )
    if "CERTIFICATE_VERIFY_FAILED" in text or "SSLCertVerificationError" in text:
        return Problem(
            title="TLS certificate not trusted",
            detail=text,
            remedy="Pass the endpoint's CA certificate with --ca-bundle PEM (for a TLS-inspecting proxy, "
            "its root CA).",
            code="CertificateVerifyFailed",
        )
    proxies = [v for v in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy") if os.environ.get(v)]
    hint = (
        f" A proxy is configured ({', '.join(proxies)}); check it, or set NO_PROXY for the endpoint."
        if proxies
        else ""
    )
    return Problem(
        title="Cannot connect to Azure",
        detail=text,
        remedy=f"Check the network, DNS and the ARM endpoint (--cloud / --arm-endpoint).{hint}",
        code="ConnectionFailed",
    )
