from django.contrib import admin
from django.urls import include, path

from people import views as people_views

urlpatterns = [
    # One sign-in page for everyone (local accounts, second factor, single sign-on): the
    # admin's own login form would skip the second factor.
    path("admin/login/", people_views.admin_login, name="admin-login-redirect"),
    path("admin/", admin.site.urls),
    # Sign-in, sign-out, password reset, second factor, single sign-on (django-allauth).
    # allauth's OpenID Connect views, answering "provider unreachable" instead of failing.
    path("accounts/oidc/<str:provider_id>/login/", people_views.oidc_login),
    path("accounts/oidc/<str:provider_id>/login/callback/", people_views.oidc_callback),
    path("accounts/", include("allauth.urls")),
    path("me/", include("people.urls")),
    # The header's language switcher posts to set_language, which sets the language cookie.
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("dashboard.urls")),
]
