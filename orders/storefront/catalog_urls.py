"""The storefront's catalog pages (included by orders/storefront/urls.py, namespace `storefront`)."""

urlpatterns: list = []
