from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("cabinet/", include("sellers.cabinet.urls")),
    path("telegram/", include("notifications.urls")),
    path("o/", include("orders.urls")),
    path("", include("orders.storefront.urls")),
]

if settings.DEBUG:  # stores' logos; in production the web server serves MEDIA_ROOT
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
