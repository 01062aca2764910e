"""The buyer's public order page, mounted at /o/ (namespace `orders`).

The page is reached only by the order's unguessable token (no account, no login)."""

from django.urls import path, register_converter

from . import views


class PublicTokenConverter:
    regex = "[A-Za-z0-9_-]{20,64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(PublicTokenConverter, "order_token")

app_name = "orders"

urlpatterns = [
    path("<order_token:token>/", views.public_order, name="public_order"),
    path("<order_token:token>/cancel/", views.public_order_cancel, name="public_order_cancel"),
    path("<order_token:token>/complain/", views.public_order_complain, name="public_order_complain"),
    path("<order_token:token>/request/answer/", views.public_request_answer, name="public_request_answer"),
    path("<order_token:token>/request/withdraw/", views.public_request_withdraw, name="public_request_withdraw"),
    path("<order_token:token>/request/message/", views.public_request_message, name="public_request_message"),
    path("<order_token:token>/reorder/", views.public_reorder_answer, name="public_reorder_answer"),
]
