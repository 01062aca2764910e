"""Warning, restriction and lift (docs/rules.md §10, "Thresholds and the restriction cycle").

`store_evaluate` compares the store's windows with the moderators' thresholds
(marketplace.PerformanceThreshold): past a warning level the store is told what to fix; past a
restriction level its offers are hidden from the storefront; a restriction the platform made
lifts itself once the store has no overdue order and no metric past a restriction level. A
moderator restricts and lifts with `store_restrict` / `store_lift_restriction`; a moderator's
restriction is lifted only by a moderator. Each change is saved with the history stamp and a
reason, and told (notifications.services.notify). The caller counts the overdue orders (the
orders layer): this module sits below it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from marketplace import clock
from marketplace.actors import Actor, ActorKind, is_moderator
from marketplace.calendar import platform
from marketplace.errors import NotAllowed, RuleViolation
from marketplace.history import stamp
from marketplace.models import PerformanceThreshold, ThresholdMetric
from notifications.services import notify
from sellers.models import Store

from . import definitions
from .models import Standing, StoreStanding


@dataclass(frozen=True)
class Breach:
    metric: str
    value: object
    level: object
    window_days: int

    def as_param(self) -> dict:
        return {"metric": self.metric, "value": str(self.value), "level": str(self.level), "days": self.window_days}


@dataclass(frozen=True)
class Verdict:
    warnings: list[Breach]
    restrictions: list[Breach]


def thresholds() -> list[PerformanceThreshold]:
    return list(PerformanceThreshold.objects.all())


def judge(store_id: int, *, today, overdue: int, levels: list[PerformanceThreshold] | None = None) -> Verdict:
    """Which thresholds the store's windows are past (one query for all windows)."""
    levels = thresholds() if levels is None else levels
    sums = definitions.windows(store_id, today=today, days=sorted({t.window_days for t in levels} or {30}))
    warnings, restrictions = [], []
    for t in levels:
        window = sums[t.window_days]
        if window["orders"] < t.min_orders:
            continue  # too few orders for the rate to say anything (docs/rules.md §10)
        value = definitions.BY_CODE[t.metric].value(window)
        if t.past(value, t.restriction) and (not t.needs_overdue or overdue > 0):
            restrictions.append(Breach(t.metric, value, t.restriction, t.window_days))
        elif t.past(value, t.warning):
            warnings.append(Breach(t.metric, value, t.warning, t.window_days))
    # The expiry rule of docs/rules.md §4 (the policy's count within its window) is a restriction
    # case of its own: the offers it hid come back once the expiries fall out of the window.
    p = platform()
    expired = definitions.window(store_id, today=today, days=p.expiry_restrict_days)["expired"]
    if p.expiry_restrict_count and expired >= p.expiry_restrict_count:
        restrictions.append(Breach(ThresholdMetric.EXPIRIES, expired, p.expiry_restrict_count, p.expiry_restrict_days))
    return Verdict(warnings=warnings, restrictions=restrictions)


def _standing(store_id: int) -> StoreStanding:
    StoreStanding.objects.get_or_create(store_id=store_id)
    return StoreStanding.objects.select_for_update().get(store_id=store_id)


def _lock_store(store_id: int) -> Store:
    try:
        return Store.objects.select_for_update().get(pk=store_id)
    except Store.DoesNotExist:
        raise NotAllowed(_("No such store.")) from None


def _label(metric: str) -> str:
    return str(ThresholdMetric(metric).label) if metric in ThresholdMetric.values else metric


def describe(breaches: list[Breach], language: str) -> str:
    """One sentence per metric past its level, in the store's language."""
    with translation.override(language):
        return " ".join(
            _("%(metric)s is %(value)s over %(days)s days (level %(level)s).")
            % {"metric": _label(b.metric), "value": b.value, "days": b.window_days, "level": b.level}
            for b in breaches
        )


def _fixes(breaches: list[Breach], language: str) -> list[dict]:
    with translation.override(language):
        return [{**b.as_param(), "label": _label(b.metric)} for b in breaches]


def _hidden_by_platform(store: Store) -> bool:
    """The offers were hidden by the platform (the thresholds or the expiry rule, docs/rules.md §4),
    not by a moderator: the platform may show them again."""
    row = store.history.filter(action="hide_offers").order_by("-history_date", "-history_id").first()
    return row is not None and row.actor_kind == ActorKind.PLATFORM


def _save(standing: StoreStanding, actor: Actor, action: str, why: str, **changes) -> None:
    for name, value in changes.items():
        setattr(standing, name, value)
    standing.evaluated_at = clock.now()
    stamp(standing, actor, action, why)
    standing.save()


def _hide(store: Store, actor: Actor, reason: str) -> None:
    store.offers_hidden, store.offers_hidden_reason = True, reason[:300]
    stamp(store, actor, "hide_offers", reason)
    store.save(update_fields=["offers_hidden", "offers_hidden_reason"])


def _show(store: Store, actor: Actor, reason: str) -> None:
    store.offers_hidden, store.offers_hidden_reason = False, ""
    stamp(store, actor, "show_offers", reason)
    store.save(update_fields=["offers_hidden", "offers_hidden_reason"])


def store_evaluate(*, store: Store | int, overdue: int, now: datetime | None = None) -> str:
    """The platform's evaluation of one store (the hourly task, after expiries): returns what
    changed — "restricted", "lifted", "warned", "cleared" or "" (nothing)."""
    store_id = store.pk if isinstance(store, Store) else store
    now = now or clock.now()
    actor = Actor.platform()
    with transaction.atomic():
        store = _lock_store(store_id)
        standing = _standing(store_id)
        verdict = judge(store_id, today=clock.today(), overdue=overdue)
        past = sorted({b.metric for b in verdict.warnings + verdict.restrictions})
        occurrence = now.isoformat()
        if verdict.restrictions and not store.offers_hidden:
            reason = describe(verdict.restrictions, store.language)
            _hide(store, actor, reason)
            _save(
                standing,
                actor,
                "restrict",
                reason,
                level=Standing.RESTRICTED,
                metrics=past,
                reason=reason[:500],
                since=now,
                restricted_by=ActorKind.PLATFORM,
            )
            notify(
                "store_restricted",
                store=store,
                occurrence=f"restricted@{occurrence}",
                reason=reason,
                fixes=_fixes(verdict.restrictions, store.language),
            )
            return "restricted"
        if store.offers_hidden:
            by_platform = (
                standing.restricted_by == ActorKind.PLATFORM
                if standing.level == Standing.RESTRICTED
                else (_hidden_by_platform(store))
            )
            if by_platform and not verdict.restrictions and overdue == 0:
                reason = _("The store has no overdue orders and its metrics are back under the restriction levels.")
                _show(store, actor, reason)
                level = Standing.WARNING if verdict.warnings else Standing.GOOD
                _save(
                    standing,
                    actor,
                    "lift",
                    reason,
                    level=level,
                    metrics=past,
                    reason=reason,
                    since=now,
                    restricted_by="",
                )
                notify(
                    "store_restriction_lifted",
                    store=store,
                    occurrence=f"lifted@{occurrence}",
                    reason=reason,
                    fixes=_fixes(verdict.warnings, store.language),
                )
                return "lifted"
            return ""
        if verdict.warnings and (standing.level != Standing.WARNING or set(past) - set(standing.metrics)):
            reason = describe(verdict.warnings, store.language)
            _save(
                standing,
                actor,
                "warn",
                reason,
                level=Standing.WARNING,
                metrics=past,
                reason=reason[:500],
                since=now,
                restricted_by="",
            )
            notify(
                "store_performance_warning",
                store=store,
                occurrence=f"warning@{occurrence}",
                reason=reason,
                fixes=_fixes(verdict.warnings, store.language),
            )
            return "warned"
        if not verdict.warnings and standing.level != Standing.GOOD:
            reason = _("The store's metrics are back under the warning levels.")
            _save(
                standing,
                actor,
                "clear",
                reason,
                level=Standing.GOOD,
                metrics=[],
                reason=reason,
                since=now,
                restricted_by="",
            )
            return "cleared"
        if standing.level == Standing.WARNING and standing.metrics != past:
            _save(standing, actor, "warn", standing.reason, metrics=past)
        return ""


def _check_moderator(actor: Actor) -> None:
    if actor.kind != ActorKind.MODERATOR or not is_moderator(actor.user):
        raise NotAllowed(_("Only moderators may do this."))


def _check_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation(_("Give the reason: the store is told it."), code="reason")
    return reason


def store_restrict(*, actor: Actor, store: Store | int, reason: str) -> Store:
    """A moderator hides the store's offers with a reason; only a moderator lifts it."""
    _check_moderator(actor)
    reason = _check_reason(reason)
    store_id = store.pk if isinstance(store, Store) else store
    with transaction.atomic():
        store = _lock_store(store_id)
        standing = _standing(store_id)
        if store.offers_hidden and standing.restricted_by == ActorKind.MODERATOR:
            raise RuleViolation(_("The store's offers are hidden already."), code="restricted")
        _hide(store, actor, reason)
        now = clock.now()
        _save(
            standing,
            actor,
            "restrict",
            reason,
            level=Standing.RESTRICTED,
            reason=reason[:500],
            since=now,
            restricted_by=ActorKind.MODERATOR,
        )
        notify("store_restricted", store=store, occurrence=f"restricted@{now.isoformat()}", reason=reason, fixes=[])
    return store


def store_lift_restriction(*, actor: Actor, store: Store | int, reason: str) -> Store:
    """A moderator shows the store's offers again, whoever hid them, with a reason."""
    _check_moderator(actor)
    reason = _check_reason(reason)
    store_id = store.pk if isinstance(store, Store) else store
    with transaction.atomic():
        store = _lock_store(store_id)
        if not store.offers_hidden:
            raise RuleViolation(_("The store's offers are not hidden."), code="not_restricted")
        standing = _standing(store_id)
        _show(store, actor, reason)
        now = clock.now()
        _save(
            standing,
            actor,
            "lift",
            reason,
            level=Standing.GOOD,
            metrics=[],
            reason=reason[:500],
            since=now,
            restricted_by="",
        )
        notify("store_restriction_lifted", store=store, occurrence=f"lifted@{now.isoformat()}", reason=reason, fixes=[])
    return store
