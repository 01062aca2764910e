"""The one entry point other parts call to tell somebody something (replaced by the outbox)."""


def notify(event: str, *, order=None, store=None, related=None, **params) -> None:
    return None
