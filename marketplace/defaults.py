"""The seed's processing-time table (SPEC §4) as the default policy.

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
            defaults=dict(excellent_minutes=excellent, deadline=deadline, acceptable_minutes=acceptable,
                          warn_before_minutes=warn, on_expiry=on_expiry),
        )
    platform_model.objects.get_or_create(pk=1)
