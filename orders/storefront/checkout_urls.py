"""The storefront's checkout pages (included by orders/storefront/urls.py, namespace `storefront`)."""

urlpatterns: list = []
