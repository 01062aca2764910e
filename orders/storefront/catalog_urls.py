"""The storefront's catalog pages (included by orders/storefront/urls.py, namespace `storefront`)."""

from django.urls import path

from . import catalog_views

urlpatterns = [
    path("", catalog_views.catalog_view, name="catalog"),
    path("offer/<int:pk>/", catalog_views.offer_view, name="offer"),
    path("store/<str:slug>/", catalog_views.store_view, name="store"),
]
