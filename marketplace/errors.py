"""Errors raised by services. Their message is shown to the user as it is."""

from django.core.exceptions import PermissionDenied


class ServiceError(Exception):
    """A business rule refused the action; nothing was changed."""

    def __init__(self, message, *, code: str = "invalid"):
        super().__init__(str(message))
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return str(self.message)


class RuleViolation(ServiceError):
    """The action is against a rule of the order's status, window or reason."""


class ConflictError(ServiceError):
    """Somebody else changed the same thing at the same time; the action lost."""

    def __init__(self, message, *, code: str = "conflict"):
        super().__init__(message, code=code)


class NotAllowed(PermissionDenied):
    """The actor may not do this at all (not a member of the store, wrong kind)."""
