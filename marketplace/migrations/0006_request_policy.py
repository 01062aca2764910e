"""Request and dispute settings of the platform policy (docs/rules.md §6); moderators see requests,
their messages and disputes in admin (marketplace.defaults.grant_moderators, idempotent)."""

import django.core.validators
from django.db import migrations, models

from marketplace.defaults import grant_moderators


class Migration(migrations.Migration):

    dependencies = [
        ('marketplace', '0005_grant_moderators_new_models'),
        ('orders', '0011_requests_disputes'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalplatformpolicy',
            name='buyer_cancel_mode',
            field=models.CharField(choices=[('instant', 'Instant'), ('request', 'A request the store answers')], default='instant', help_text="Instant: the buyer's cancel on the order page cancels at once. Request: it asks the store, which answers; silence cancels.", max_length=10, verbose_name="buyer's cancellation"),
        ),
        migrations.AddField(
            model_name='historicalplatformpolicy',
            name='dispute_take_working_minutes',
            field=models.PositiveIntegerField(default=660, validators=[django.core.validators.MinValueValidator(1)], verbose_name='remind the moderators of a dispute not taken within (working minutes)'),
        ),
        migrations.AddField(
            model_name='historicalplatformpolicy',
            name='follow_up_working_minutes',
            field=models.PositiveSmallIntegerField(default=240, validators=[django.core.validators.MinValueValidator(1)], verbose_name='follow up at most once per (working minutes)'),
        ),
        migrations.AddField(
            model_name='historicalplatformpolicy',
            name='late_delivery_after_days',
            field=models.PositiveSmallIntegerField(default=3, help_text='When the carrier gives no delivery date: from then the buyer may cancel a parcel in delivery at once.', validators=[django.core.validators.MaxValueValidator(60)], verbose_name='a parcel counts as late this many days after the ship-by date'),
        ),
        migrations.AddField(
            model_name='historicalplatformpolicy',
            name='request_accept_hours',
            field=models.PositiveSmallIntegerField(default=24, help_text='Accepted within it, a request is done by agreement; after it the answering side is reminded.', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(336)], verbose_name='answer a request within (hours)'),
        ),
        migrations.AddField(
            model_name='historicalplatformpolicy',
            name='request_expire_hours',
            field=models.PositiveSmallIntegerField(default=48, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(720)], verbose_name='an unanswered request goes through after (hours)'),
        ),
        migrations.AddField(
            model_name='historicalplatformpolicy',
            name='request_window_counting',
            field=models.CharField(choices=[('calendar', 'Calendar time'), ('working', 'Working time')], default='calendar', max_length=10, verbose_name='request windows count'),
        ),
        migrations.AddField(
            model_name='platformpolicy',
            name='buyer_cancel_mode',
            field=models.CharField(choices=[('instant', 'Instant'), ('request', 'A request the store answers')], default='instant', help_text="Instant: the buyer's cancel on the order page cancels at once. Request: it asks the store, which answers; silence cancels.", max_length=10, verbose_name="buyer's cancellation"),
        ),
        migrations.AddField(
            model_name='platformpolicy',
            name='dispute_take_working_minutes',
            field=models.PositiveIntegerField(default=660, validators=[django.core.validators.MinValueValidator(1)], verbose_name='remind the moderators of a dispute not taken within (working minutes)'),
        ),
        migrations.AddField(
            model_name='platformpolicy',
            name='follow_up_working_minutes',
            field=models.PositiveSmallIntegerField(default=240, validators=[django.core.validators.MinValueValidator(1)], verbose_name='follow up at most once per (working minutes)'),
        ),
        migrations.AddField(
            model_name='platformpolicy',
            name='late_delivery_after_days',
            field=models.PositiveSmallIntegerField(default=3, help_text='When the carrier gives no delivery date: from then the buyer may cancel a parcel in delivery at once.', validators=[django.core.validators.MaxValueValidator(60)], verbose_name='a parcel counts as late this many days after the ship-by date'),
        ),
        migrations.AddField(
            model_name='platformpolicy',
            name='request_accept_hours',
            field=models.PositiveSmallIntegerField(default=24, help_text='Accepted within it, a request is done by agreement; after it the answering side is reminded.', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(336)], verbose_name='answer a request within (hours)'),
        ),
        migrations.AddField(
            model_name='platformpolicy',
            name='request_expire_hours',
            field=models.PositiveSmallIntegerField(default=48, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(720)], verbose_name='an unanswered request goes through after (hours)'),
        ),
        migrations.AddField(
            model_name='platformpolicy',
            name='request_window_counting',
            field=models.CharField(choices=[('calendar', 'Calendar time'), ('working', 'Working time')], default='calendar', max_length=10, verbose_name='request windows count'),
        ),
        migrations.RunPython(grant_moderators, migrations.RunPython.noop),
    ]
