from django.urls import path

from hwaas import views

app_name = "hwaas"

urlpatterns = [
    path("hardware/", views.inventory, name="inventory"),
    path("hardware/devices/<int:pk>/", views.device_detail, name="device"),
    path("hardware/agreements/<int:pk>/", views.agreement_detail, name="agreement"),
    path("hardware/agreements/<int:pk>/annex-a.csv", views.agreement_annex_csv, name="annex_csv"),
    path("staff/hardware/requests/", views.staff_requests, name="staff_requests"),
    path("staff/hardware/requests/<int:pk>/", views.staff_request, name="staff_request"),
    path(
        "staff/hardware/requests/<int:pk>/step/",
        views.staff_request_step,
        name="staff_request_step",
    ),
]
