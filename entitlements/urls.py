from django.urls import path

from entitlements import intervention_views, views

app_name = "entitlements"

urlpatterns = [
    path("support/plan/", views.support_plan, name="plan"),
    path("staff/time/", views.time_report, name="time_report"),
    path("staff/time.csv", views.time_report_csv, name="time_report_csv"),
]

urlpatterns += [
    path(
        "cases/<int:pk>/intervention/",
        intervention_views.intervention_new,
        name="intervention_new",
    ),
    path(
        "cases/<int:pk>/intervention/<int:iid>/cancel/",
        intervention_views.intervention_cancel,
        name="intervention_cancel",
    ),
    path(
        "staff/cases/<int:pk>/intervention/<int:iid>/",
        intervention_views.staff_intervention,
        name="staff_intervention",
    ),
]
