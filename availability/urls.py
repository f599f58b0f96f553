from django.urls import path

from availability import noc_views, views

app_name = "availability"

urlpatterns = [
    path("billing/", views.billing, name="billing"),
    path("billing/credits.csv", views.billing_csv, name="billing_csv"),
]
urlpatterns += noc_views.urlpatterns
