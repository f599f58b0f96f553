from django.urls import path

from entitlements import views

app_name = "entitlements"

urlpatterns = [
    path("support/plan/", views.support_plan, name="plan"),
    path("staff/time/", views.time_report, name="time_report"),
    path("staff/time.csv", views.time_report_csv, name="time_report_csv"),
]
