"""django-fsm's protection of concurrent transitions, with each model's state fields found once."""

from __future__ import annotations

from functools import cache

from django_fsm import ConcurrentTransitionMixin, FSMFieldMixin


class ConcurrentTransitions(ConcurrentTransitionMixin):
    """django-fsm's `ConcurrentTransitionMixin` (a save refuses when the state changed since the
    row was read), reading the model's state fields from a per-model tuple: the mixin filters every
    field of the model on each instance's load and save to find them — 39 fields for one state
    field on an order, 8 % of the deadline sweep's time, which loads its orders by the thousand
    (issue 16)."""

    @property
    def state_fields(self):
        return _state_fields(type(self))


@cache
def _state_fields(model) -> tuple:
    return tuple(field for field in model._meta.fields if isinstance(field, FSMFieldMixin))
