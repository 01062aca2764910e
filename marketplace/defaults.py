"""The seed's processing-time table (docs/rules.md §4) as the default policy.

Used by the data migration and by anything that must restore the defaults after the tables
were emptied (tests that flush the database)."""

DEFAULT_POLICIES = [
    # status, excellent (working min), deadline kind, acceptable (min), warn before (working min), on expiry
    ("new", 60, "working_minutes", 180, 30, "processing_time_expired"),
    ("accepted", 60, "working_minutes", 360, 60, "processing_time_expired"),
    ("confirmed", None, "ship_by_day_end", None, 120, "shipping_time_expired"),
    ("awaiting_shipment", None, "ship_by_day_end", None, 120, "shipping_time_expired"),
    ("awaiting_pickup", None, "calendar_minutes", 3 * 24 * 60, None, "remind_pickup"),
]


def ensure_defaults(policy_model, platform_model) -> None:
    """Create the default rows that are missing; never overwrite a moderator's edit."""
    for status, excellent, deadline, acceptable, warn, on_expiry in DEFAULT_POLICIES:
        policy_model.objects.get_or_create(
            status=status,
            defaults=dict(
                excellent_minutes=excellent,
                deadline=deadline,
                acceptable_minutes=acceptable,
                warn_before_minutes=warn,
                on_expiry=on_expiry,
            ),
        )
    platform_model.objects.get_or_create(pk=1)


# The moderators group (marketplace.actors.MODERATORS_GROUP): they look at everything of the
# apps they supervise in admin, and change the working calendar and the policies (through
# marketplace.services). Migrations that add models grant on them with `grant_moderators`.
MODERATOR_VIEW_APPS = ("orders", "sellers", "notifications", "marketplace")
MODERATOR_CHANGE = {
    "marketplace": {
        "nonworkingperiod": ("add", "change", "delete"),
        "workingdayoverride": ("add", "change", "delete"),
        "processingpolicy": ("change",),
        "platformpolicy": ("change",),
    },
}


def grant_moderators(apps, schema_editor, app_labels=MODERATOR_VIEW_APPS) -> None:
    """Data-migration step: create the group if missing and give it view permission on every
    model of `app_labels` (history tables included) plus MODERATOR_CHANGE. Idempotent; never
    takes a permission away."""
    from django.apps import apps as installed
    from django.contrib.auth.management import create_permissions

    # Permissions are made after all migrations (post_migrate); make those of the models that
    # exist at this point of the migration now, from the migration's own state.
    for label in ("contenttypes", "auth", *app_labels):
        create_permissions(
            installed.get_app_config(label), apps=apps, verbosity=0, using=schema_editor.connection.alias
        )
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name="moderators")
    wanted = []
    for label in app_labels:
        wanted += Permission.objects.filter(content_type__app_label=label, codename__startswith="view_")
        for model, actions in MODERATOR_CHANGE.get(label, {}).items():
            wanted += Permission.objects.filter(
                content_type__app_label=label, codename__in=[f"{action}_{model}" for action in actions]
            )
    group.permissions.add(*wanted)
