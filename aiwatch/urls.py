from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    # The header's language switcher posts to set_language, which sets the language cookie.
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("dashboard.urls")),
]
