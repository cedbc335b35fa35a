from dashboard import history_urls

app_name = "dashboard"

urlpatterns: list = []
urlpatterns += history_urls.urlpatterns
