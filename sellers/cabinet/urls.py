"""The seller cabinet, mounted at /cabinet/ (namespace `cabinet`).

Every URL with a `pk` names an object of one of the member's stores: orders (`order_*`),
offers (`offer_*`), members (`member_*`) and invitations (`invitation_*`); any other store's id
answers 404. The invitee's page (`invitation`) is reached by its signed link, signed in or not.
"""

from django.urls import path
from django.views.generic import RedirectView

from .views import auth, bulk, export, invitations, offers, orders, performance, requests, settings, statement

app_name = "cabinet"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="cabinet:order_list"), name="home"),
    # sign-in
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    path("password-reset/", auth.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", auth.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("password-reset/<uidb64>/<token>/", auth.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("password-reset/done/", auth.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("store/", auth.store_switch_view, name="store_switch"),
    # orders
    path("orders/", orders.order_list_view, name="order_list"),
    path("orders/<int:pk>/", orders.order_detail, name="order_detail"),
    # every action of the order page is one table-driven view (views.orders.ACTIONS)
    path("orders/<int:pk>/confirm/", orders.order_action_view, {"action": "confirm"}, name="order_confirm"),
    path("orders/<int:pk>/pack/", orders.order_action_view, {"action": "pack"}, name="order_pack"),
    path("orders/<int:pk>/ship/", orders.order_action_view, {"action": "ship"}, name="order_ship"),
    path(
        "orders/<int:pk>/ready-for-pickup/",
        orders.order_action_view,
        {"action": "ready_for_pickup"},
        name="order_ready_for_pickup",
    ),
    path(
        "orders/<int:pk>/received/", orders.order_action_view, {"action": "mark_received"}, name="order_mark_received"
    ),
    path("orders/<int:pk>/cancel/", orders.order_action_view, {"action": "cancel"}, name="order_cancel"),
    path("orders/<int:pk>/ttn/", orders.order_action_view, {"action": "ttn"}, name="order_ttn"),
    path(
        "orders/<int:pk>/return-received/",
        orders.order_action_view,
        {"action": "return_received"},
        name="order_return_received",
    ),
    path("orders/<int:pk>/delivery/", orders.order_action_view, {"action": "delivery"}, name="order_delivery"),
    path("orders/<int:pk>/payment/", orders.order_action_view, {"action": "payment"}, name="order_payment"),
    path("orders/<int:pk>/items/", orders.order_action_view, {"action": "items"}, name="order_items"),
    path("orders/<int:pk>/items/add/", orders.order_action_view, {"action": "add_item"}, name="order_item_add"),
    path("orders/<int:pk>/split/", orders.order_action_view, {"action": "split"}, name="order_split"),
    path("orders/<int:pk>/late-cause/", orders.order_action_view, {"action": "late_cause"}, name="order_late_cause"),
    path("orders/<int:pk>/reorder/", orders.order_action_view, {"action": "reorder"}, name="order_reorder"),
    # the page's editing forms, rendered when the seller opens one (views.orders.FORM_GROUPS)
    path("orders/<int:pk>/forms/", orders.order_form_view, name="order_form"),
    path("orders/<int:pk>/comments/", orders.order_comment_view, name="order_comment"),
    path("orders/<int:pk>/calls/", orders.order_call_view, name="order_call"),
    # requests between the store and the buyer (docs/rules.md §6): the tab and the order page's panel
    path("requests/", requests.request_list_view, name="request_list"),
    *(
        path(
            f"orders/<int:pk>/request/{slug}/", requests.order_request_view, {"action": action}, name=f"order_{action}"
        )
        for slug, action in (
            ("cancel", "request_cancel"),
            ("move-date", "request_move"),
            ("answer", "request_answer"),
            ("withdraw", "request_withdraw"),
            ("follow-up", "request_follow_up"),
            ("message", "request_message"),
        )
    ),
    # the list's bulk actions, its CSV export and the printable packing slips and invoices
    path("orders/bulk/", bulk.order_bulk_view, name="order_bulk"),
    path("orders/export.csv", export.order_export_view, name="order_export"),
    path("orders/print/", bulk.order_print_view, name="order_print"),
    # offers
    path("offers/", offers.offer_list_view, name="offer_list"),
    path("offers/<int:pk>/stock/", offers.offer_stock_view, name="offer_stock"),
    path("offers/<int:pk>/pause/", offers.offer_pause_view, name="offer_pause"),
    path("offers/<int:pk>/edit/", offers.offer_edit_view, name="offer_edit"),
    # the fee statement (docs/rules.md §10) and its CSV
    path("statement/", statement.statement_view, name="statement"),
    path("statement/export.csv", export.statement_export_view, name="statement_export"),
    # the performance page: metrics, charts, rating, standing, late causes (docs/rules.md §10)
    path("performance/", performance.performance_view, name="performance"),
    # store settings
    path("settings/", settings.store_settings_view, name="store_settings"),
    path("settings/email/", settings.store_email_view, name="store_email"),
    path("settings/members/invite/", settings.member_invite_view, name="member_invite"),
    path("settings/members/<int:pk>/remove/", settings.member_remove_view, name="member_remove"),
    path("settings/telegram/link/", settings.telegram_link_view, name="telegram_link"),
    path("settings/telegram/unlink/", settings.telegram_unlink_view, name="telegram_unlink"),
    path("settings/notifications/", settings.notification_prefs_view, name="notification_prefs"),
    # invitations: the owner re-sends or revokes one; the invitee's page (accept, decline) by the signed link
    path("settings/invitations/<int:pk>/resend/", settings.invitation_resend_view, name="invitation_resend"),
    path("settings/invitations/<int:pk>/revoke/", settings.invitation_revoke_view, name="invitation_revoke"),
    path("invitation/<str:token>/", invitations.invitation_view, name="invitation"),
    path("invitation/<str:token>/decline/", invitations.invitation_decline_view, name="invitation_decline"),
]
