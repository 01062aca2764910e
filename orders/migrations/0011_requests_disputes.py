"""Requests between buyer and seller, their messages, and disputes (docs/rules.md §6)."""

import django.db.models.deletion
import django.utils.timezone
import django_fsm
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('orders', '0010_track_open_parcels'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='historicalorder',
            name='cancel_reason',
            field=models.CharField(blank=True, choices=[('out_of_stock', 'Incorrect stock'), ('buyer_unreachable', 'Could not reach the buyer'), ('buyer_changed_mind', 'Buyer changed their mind'), ('buyer_not_picked_up', 'Buyer did not pick up'), ('other', 'Other reasons'), ('buyer_cancelled', 'Cancelled by the buyer'), ('late_delivery', 'Cancelled by the buyer: agreed date passed'), ('processing_time_expired', 'Processing time expired'), ('shipping_time_expired', 'Shipping time expired'), ('mutual', 'Mutual cancellation'), ('dispute_seller_fault', "Cancelled by the moderators: the store's fault"), ('dispute_buyer_fault', "Cancelled by the moderators: the buyer's fault"), ('dispute_no_fault', "Cancelled by the moderators: nobody's fault")], max_length=32, verbose_name='cancellation reason'),
        ),
        migrations.AlterField(
            model_name='order',
            name='cancel_reason',
            field=models.CharField(blank=True, choices=[('out_of_stock', 'Incorrect stock'), ('buyer_unreachable', 'Could not reach the buyer'), ('buyer_changed_mind', 'Buyer changed their mind'), ('buyer_not_picked_up', 'Buyer did not pick up'), ('other', 'Other reasons'), ('buyer_cancelled', 'Cancelled by the buyer'), ('late_delivery', 'Cancelled by the buyer: agreed date passed'), ('processing_time_expired', 'Processing time expired'), ('shipping_time_expired', 'Shipping time expired'), ('mutual', 'Mutual cancellation'), ('dispute_seller_fault', "Cancelled by the moderators: the store's fault"), ('dispute_buyer_fault', "Cancelled by the moderators: the buyer's fault"), ('dispute_no_fault', "Cancelled by the moderators: nobody's fault")], max_length=32, verbose_name='cancellation reason'),
        ),
        migrations.CreateModel(
            name='HistoricalOrderRequest',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('actor_kind', models.CharField(blank=True, choices=[('seller', 'Seller'), ('moderator', 'Moderator'), ('buyer', 'Buyer'), ('platform', 'Platform'), ('carrier', 'Carrier')], max_length=16, verbose_name='actor')),
                ('action', models.CharField(blank=True, max_length=40, verbose_name='action')),
                ('kind', models.CharField(choices=[('buyer_cancel', 'The buyer asks to cancel'), ('seller_cancel', 'The store asks to cancel by agreement'), ('move_date', 'The store asks to move the agreed date')], max_length=16, verbose_name='request')),
                ('state', django_fsm.FSMField(choices=[('open', 'Waiting for an answer'), ('accepted', 'Accepted'), ('declined', 'Declined, passed to the moderators'), ('went_through', 'Went through without an answer'), ('withdrawn', 'Withdrawn'), ('lapsed', 'Closed: the order ended meanwhile')], default='open', max_length=16, protected=True, verbose_name='state')),
                ('opened_by', models.CharField(choices=[('seller', 'Seller'), ('moderator', 'Moderator'), ('buyer', 'Buyer'), ('platform', 'Platform'), ('carrier', 'Carrier')], max_length=16, verbose_name='opened by')),
                ('ground', models.CharField(blank=True, choices=[('ordered_by_mistake', 'The buyer ordered by mistake'), ('duplicate', 'A duplicate order'), ('cannot_supply', 'The goods cannot be supplied'), ('other', 'Other')], max_length=20, verbose_name='ground')),
                ('old_date', models.DateField(blank=True, null=True, verbose_name='agreed date before')),
                ('new_date', models.DateField(blank=True, null=True, verbose_name='new agreed date')),
                ('message', models.TextField(blank=True, verbose_name='message')),
                ('opened_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='opened')),
                ('answer_by', models.DateTimeField(verbose_name='answer by')),
                ('expires_at', models.DateTimeField(verbose_name='goes through at')),
                ('last_follow_up_at', models.DateTimeField(blank=True, null=True, verbose_name='last followed up')),
                ('answered_at', models.DateTimeField(blank=True, null=True, verbose_name='answered')),
                ('answer_message', models.TextField(blank=True, verbose_name='answer')),
                ('closed_at', models.DateTimeField(blank=True, null=True, verbose_name='closed')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('answered_by_user', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='answered by (member)')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('opened_by_user', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='opened by (member)')),
                ('order', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='orders.order', verbose_name='order')),
            ],
            options={
                'verbose_name': 'historical request',
                'verbose_name_plural': 'historical requests',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='OrderRequest',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('buyer_cancel', 'The buyer asks to cancel'), ('seller_cancel', 'The store asks to cancel by agreement'), ('move_date', 'The store asks to move the agreed date')], max_length=16, verbose_name='request')),
                ('state', django_fsm.FSMField(choices=[('open', 'Waiting for an answer'), ('accepted', 'Accepted'), ('declined', 'Declined, passed to the moderators'), ('went_through', 'Went through without an answer'), ('withdrawn', 'Withdrawn'), ('lapsed', 'Closed: the order ended meanwhile')], default='open', max_length=16, protected=True, verbose_name='state')),
                ('opened_by', models.CharField(choices=[('seller', 'Seller'), ('moderator', 'Moderator'), ('buyer', 'Buyer'), ('platform', 'Platform'), ('carrier', 'Carrier')], max_length=16, verbose_name='opened by')),
                ('ground', models.CharField(blank=True, choices=[('ordered_by_mistake', 'The buyer ordered by mistake'), ('duplicate', 'A duplicate order'), ('cannot_supply', 'The goods cannot be supplied'), ('other', 'Other')], max_length=20, verbose_name='ground')),
                ('old_date', models.DateField(blank=True, null=True, verbose_name='agreed date before')),
                ('new_date', models.DateField(blank=True, null=True, verbose_name='new agreed date')),
                ('message', models.TextField(blank=True, verbose_name='message')),
                ('opened_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='opened')),
                ('answer_by', models.DateTimeField(verbose_name='answer by')),
                ('expires_at', models.DateTimeField(verbose_name='goes through at')),
                ('next_check_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='next check by the platform')),
                ('reminded', models.PositiveSmallIntegerField(db_default=0, default=0, editable=False)),
                ('last_follow_up_at', models.DateTimeField(blank=True, null=True, verbose_name='last followed up')),
                ('answered_at', models.DateTimeField(blank=True, null=True, verbose_name='answered')),
                ('answer_message', models.TextField(blank=True, verbose_name='answer')),
                ('closed_at', models.DateTimeField(blank=True, null=True, verbose_name='closed')),
                ('answered_by_user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='answered by (member)')),
                ('opened_by_user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='opened by (member)')),
                ('order', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='requests', to='orders.order', verbose_name='order')),
            ],
            options={
                'verbose_name': 'request',
                'verbose_name_plural': 'requests',
                'ordering': ['-opened_at', '-id'],
            },
            bases=(django_fsm.ConcurrentTransitionMixin, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalDispute',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('actor_kind', models.CharField(blank=True, choices=[('seller', 'Seller'), ('moderator', 'Moderator'), ('buyer', 'Buyer'), ('platform', 'Platform'), ('carrier', 'Carrier')], max_length=16, verbose_name='actor')),
                ('action', models.CharField(blank=True, max_length=40, verbose_name='action')),
                ('origin', models.CharField(choices=[('declined_request', 'A request was declined'), ('late_order', 'The buyer complains the order is late')], max_length=20, verbose_name='origin')),
                ('state', django_fsm.FSMField(choices=[('open', 'Waiting for a moderator'), ('taken', 'Taken by a moderator'), ('decided', 'Decided'), ('closed', 'Closed: the order ended meanwhile')], default='open', max_length=10, protected=True, verbose_name='state')),
                ('complaint', models.TextField(blank=True, verbose_name='complaint')),
                ('opened_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='opened')),
                ('reminded_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='moderators reminded')),
                ('taken_at', models.DateTimeField(blank=True, null=True, verbose_name='taken')),
                ('decision', models.CharField(blank=True, choices=[('cancel', 'Cancel the order'), ('continue', 'Continue the order')], max_length=10, verbose_name='decision')),
                ('fault', models.CharField(blank=True, choices=[('seller', 'The store'), ('buyer', 'The buyer'), ('nobody', 'Nobody')], max_length=10, verbose_name='at fault')),
                ('new_date', models.DateField(blank=True, null=True, verbose_name='new agreed date')),
                ('note_to_buyer', models.TextField(blank=True, verbose_name='note to the buyer')),
                ('note_to_seller', models.TextField(blank=True, verbose_name='note to the store')),
                ('decided_at', models.DateTimeField(blank=True, null=True, verbose_name='decided')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('decided_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='decided by')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('order', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='orders.order', verbose_name='order')),
                ('taken_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='taken by')),
                ('request', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='orders.orderrequest', verbose_name='request')),
            ],
            options={
                'verbose_name': 'historical dispute',
                'verbose_name_plural': 'historical disputes',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='Dispute',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('origin', models.CharField(choices=[('declined_request', 'A request was declined'), ('late_order', 'The buyer complains the order is late')], max_length=20, verbose_name='origin')),
                ('state', django_fsm.FSMField(choices=[('open', 'Waiting for a moderator'), ('taken', 'Taken by a moderator'), ('decided', 'Decided'), ('closed', 'Closed: the order ended meanwhile')], default='open', max_length=10, protected=True, verbose_name='state')),
                ('complaint', models.TextField(blank=True, verbose_name='complaint')),
                ('opened_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='opened')),
                ('next_check_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='remind the moderators at')),
                ('reminded_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='moderators reminded')),
                ('taken_at', models.DateTimeField(blank=True, null=True, verbose_name='taken')),
                ('decision', models.CharField(blank=True, choices=[('cancel', 'Cancel the order'), ('continue', 'Continue the order')], max_length=10, verbose_name='decision')),
                ('fault', models.CharField(blank=True, choices=[('seller', 'The store'), ('buyer', 'The buyer'), ('nobody', 'Nobody')], max_length=10, verbose_name='at fault')),
                ('new_date', models.DateField(blank=True, null=True, verbose_name='new agreed date')),
                ('note_to_buyer', models.TextField(blank=True, verbose_name='note to the buyer')),
                ('note_to_seller', models.TextField(blank=True, verbose_name='note to the store')),
                ('decided_at', models.DateTimeField(blank=True, null=True, verbose_name='decided')),
                ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='decided by')),
                ('order', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='disputes', to='orders.order', verbose_name='order')),
                ('taken_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='taken by')),
                ('request', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='dispute', to='orders.orderrequest', verbose_name='request')),
            ],
            options={
                'verbose_name': 'dispute',
                'verbose_name_plural': 'disputes',
                'ordering': ['opened_at', 'id'],
            },
            bases=(django_fsm.ConcurrentTransitionMixin, models.Model),
        ),
        migrations.CreateModel(
            name='RequestMessage',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('author_kind', models.CharField(choices=[('seller', 'Seller'), ('moderator', 'Moderator'), ('buyer', 'Buyer'), ('platform', 'Platform'), ('carrier', 'Carrier')], max_length=16, verbose_name='from')),
                ('text', models.TextField(verbose_name='message')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='written')),
                ('author', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='author')),
                ('request', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='messages', to='orders.orderrequest', verbose_name='request')),
            ],
            options={
                'verbose_name': 'request message',
                'verbose_name_plural': 'request messages',
                'ordering': ['created_at', 'id'],
            },
        ),
        migrations.AddIndex(
            model_name='orderrequest',
            index=models.Index(condition=models.Q(('state', 'open')), fields=['next_check_at'], name='request_due'),
        ),
        migrations.AddIndex(
            model_name='orderrequest',
            index=models.Index(fields=['order', '-opened_at'], name='request_order'),
        ),
        migrations.AddConstraint(
            model_name='orderrequest',
            constraint=models.UniqueConstraint(condition=models.Q(('state', 'open')), fields=('order',), name='request_one_open_per_order'),
        ),
        migrations.AddConstraint(
            model_name='orderrequest',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'move_date'), _negated=True), ('new_date__isnull', False), _connector='OR'), name='request_move_date_has_date'),
        ),
        migrations.AddConstraint(
            model_name='orderrequest',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'seller_cancel'), _negated=True), models.Q(('ground', ''), _negated=True), _connector='OR'), name='request_seller_cancel_has_ground'),
        ),
        migrations.AddConstraint(
            model_name='orderrequest',
            constraint=models.CheckConstraint(condition=models.Q(('expires_at__gt', models.F('opened_at'))), name='request_expires_later'),
        ),
        migrations.AddIndex(
            model_name='dispute',
            index=models.Index(condition=models.Q(('state', 'open')), fields=['next_check_at'], name='dispute_due'),
        ),
        migrations.AddIndex(
            model_name='dispute',
            index=models.Index(fields=['state', 'opened_at'], name='dispute_queue'),
        ),
        migrations.AddConstraint(
            model_name='dispute',
            constraint=models.UniqueConstraint(condition=models.Q(('state__in', ['open', 'taken'])), fields=('order',), name='dispute_one_undecided_per_order'),
        ),
        migrations.AddConstraint(
            model_name='dispute',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('state', 'decided'), _negated=True), models.Q(('decision', ''), _negated=True), _connector='OR'), name='dispute_decided_has_decision'),
        ),
        migrations.AddConstraint(
            model_name='dispute',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('decision', 'cancel'), _negated=True), models.Q(('fault', ''), _negated=True), _connector='OR'), name='dispute_cancel_names_fault'),
        ),
        migrations.AddConstraint(
            model_name='requestmessage',
            constraint=models.CheckConstraint(condition=models.Q(('text', ''), _negated=True), name='request_message_not_empty'),
        ),
    ]
