from django.urls import path

from sla import views

app_name = "sla"

urlpatterns = [
    path("noc/", views.noc_board, name="noc_board"),
    path("noc/sections/", views.noc_board_sections, name="noc_board_sections"),
    path("noc/triage/<int:pk>/", views.noc_triage, name="noc_triage"),
    path("noc/alerts/reviewed/", views.noc_alert_reviewed, name="noc_alert_reviewed"),
]
