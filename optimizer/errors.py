"""adpilot's one exception tree.

Every error adpilot raises on purpose derives from :class:`AdpilotError`, so a caller (the CLI, the nightly
job, the dashboard) can catch one base class and show its message. Messages name the offending field, row
or parameter: an operator must be able to fix the input from the message alone.

    AdpilotError
    ├── InputError            bad input: malformed rows, bad policy files, bad CSV, bad arguments
    │   ├── CurrencyError     unknown currency, or an amount that does not fit the currency's minor unit
    │   └── PolicyError       a budget policy that does not validate
    ├── MetaApiError          the Graph API (or the sandbox) answered with an error we could not recover from
    │   └── ThrottledError    rate-limited past the wait budget
    ├── SyncError             a sync that could not finish (the store is left as it was before the run)
    └── GuardrailViolation    a budget change refused by the guardrail check
"""

from __future__ import annotations


class AdpilotError(Exception):
    """Base class of every error adpilot raises deliberately."""


class InputError(AdpilotError, ValueError):
    """Input that cannot be used as given; the message names the field, row or parameter."""


class CurrencyError(InputError):
    """An unknown currency code, or an amount that does not fit the currency's minor unit."""


class PolicyError(InputError):
    """A budget policy that does not validate."""


class MetaApiError(AdpilotError):
    """An error answered by the Graph API that adpilot could not recover from."""

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        subcode: int | None = None,
        http_status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.subcode = subcode
        self.http_status = http_status


class ThrottledError(MetaApiError):
    """Rate-limited and the wait needed exceeds what the caller allowed."""


class SyncError(AdpilotError):
    """A sync that could not finish; nothing of that run was written."""


class GuardrailViolation(AdpilotError):
    """A budget change the guardrail check refuses outright."""
