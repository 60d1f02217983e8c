"""The words for what the wizard changes in Azure and how it went: one vocabulary for the services, the
session (its export and az script) and the screens. No Textual imports here."""

from __future__ import annotations

from enum import StrEnum


class Change(StrEnum):
    """A kind of change made (or attempted) in Azure: the session's action ``what``."""

    REGISTER_PROVIDER = "register-provider"
    CREATE_RESOURCE_GROUP = "create-resource-group"
    CREATE_VAULT = "create-vault"
    SET_REDUNDANCY = "set-redundancy"
    ENABLE_PROTECTION = "enable-protection"
    GUEST_PROBE = "guest-probe"


class Outcome(StrEnum):
    """How a change went: the session's action ``result``."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    REFUSED = "refused"  # not sent: --read-only, or a rule said no
    SKIPPED = "skipped"  # not needed, or not run after an earlier step failed
    INTERRUPTED = "interrupted"  # sent, but the wizard stopped waiting (quit): Azure may still complete it


class Reported(StrEnum):
    """A service's own result words (a vault plan step's status, a VM's protection result); the session
    records each as an `Outcome`, through this one table."""

    @property
    def outcome(self) -> Outcome:
        return SESSION_OUTCOME[self.value]


SESSION_OUTCOME = {
    "ok": Outcome.SUCCEEDED,
    "protected": Outcome.SUCCEEDED,
    "failed": Outcome.FAILED,
    "refused": Outcome.REFUSED,
    "not-run": Outcome.SKIPPED,  # an earlier step did not succeed
    "interrupted": Outcome.INTERRUPTED,  # sent; the answer was not awaited
    "already-protected": Outcome.SKIPPED,  # nothing was sent
}
