"""The storefront's URLs (namespace `storefront`), mounted at /."""

from django.urls import include, path

app_name = "storefront"

urlpatterns = [
    path("", include("orders.storefront.catalog_urls")),
    path("", include("orders.storefront.checkout_urls")),
]
