"""Processing deadlines of an order (filled in by the deadlines work, SPEC §4)."""


def refresh(order, *, now) -> None:
    return None
