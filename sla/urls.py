from django.urls import path

from sla import views

app_name = "sla"

urlpatterns = [
    path("noc/", views.noc_board, name="noc_board"),
]
