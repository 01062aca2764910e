"""The storefront's checkout pages (included by orders/storefront/urls.py, namespace `storefront`)."""

from django.urls import path

from orders.urls import PublicTokenConverter  # noqa: F401  (registers `order_token`: the checkout key has its shape)

from . import checkout_views

urlpatterns = [
    path("cart/", checkout_views.cart_view, name="cart"),
    path("cart/add/", checkout_views.cart_add, name="cart_add"),
    path("cart/update/", checkout_views.cart_update, name="cart_update"),
    path("cart/remove/", checkout_views.cart_remove, name="cart_remove"),
    path("cart/accept/", checkout_views.cart_accept, name="cart_accept"),
    path("checkout/", checkout_views.checkout_view, name="checkout"),
    path("checkout/done/<order_token:key>/", checkout_views.thanks_view, name="thanks"),
]
