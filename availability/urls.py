from django.urls import path

from availability import noc_views, status_views, views

app_name = "availability"

urlpatterns = [
    path("billing/", views.billing, name="billing"),
    path("billing/credits.csv", views.billing_csv, name="billing_csv"),
    path("status/", status_views.status_page, name="status"),
    path("status/incidents/<int:pk>/", status_views.status_incident, name="status_incident"),
]
urlpatterns += noc_views.urlpatterns
