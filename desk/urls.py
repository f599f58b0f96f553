"""The pages built on the use cases. They keep the URL names of the app whose things they
show (``tickets:…``, ``sla:…``, ``entitlements:…``, ``hwaas:…``): the wiring adds each list
to that app's namespace."""

from django.urls import path

from desk.views import (
    documents,
    hardware,
    interventions,
    macros,
    noc,
    on_behalf,
    partner,
    partner_requests,
    queue,
    refused_mail,
    staff_case,
    step_in,
)

case_patterns = [
    *partner.urlpatterns,
    *queue.urlpatterns,
    *on_behalf.urlpatterns,
    *staff_case.urlpatterns,
    *macros.urlpatterns,
    *refused_mail.urlpatterns,
    *partner_requests.urlpatterns,
    *documents.urlpatterns,
    *step_in.urlpatterns,
]

noc_patterns = [
    path("noc/", noc.noc_board, name="noc_board"),
    path("noc/sections/", noc.noc_board_sections, name="noc_board_sections"),
    path("noc/triage/<int:pk>/", noc.noc_triage, name="noc_triage"),
    path("noc/alerts/reviewed/", noc.noc_alert_reviewed, name="noc_alert_reviewed"),
]

intervention_patterns = [
    path(
        "cases/<id:pk>/intervention/",
        interventions.intervention_new,
        name="intervention_new",
    ),
    path(
        "cases/<id:pk>/intervention/<id:iid>/cancel/",
        interventions.intervention_cancel,
        name="intervention_cancel",
    ),
    path(
        "staff/cases/<id:pk>/intervention/<id:iid>/",
        interventions.staff_intervention,
        name="staff_intervention",
    ),
]

hardware_patterns = [
    path("hardware/requests/new/", hardware.request_new, name="request_new"),
    path("hardware/requests/check/", hardware.request_check, name="request_check"),
]
