from __future__ import annotations

from django.urls import path

from people import views, watchlist

app_name = "people"

urlpatterns = [
    path("", views.my_page, name="me"),
    path("watchlist.json", watchlist.watchlist, name="watchlist"),
    path("channels/", views.add_channel, name="add-channel"),
    path("channels/<int:pk>/delete/", views.delete_channel, name="delete-channel"),
    path("channels/<int:pk>/test/", views.test_channel, name="test-channel"),
    path("subscriptions/", views.add_subscription, name="add-subscription"),
    path("subscriptions/<int:pk>/delete/", views.delete_subscription, name="delete-subscription"),
]
