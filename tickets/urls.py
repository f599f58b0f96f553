from django.urls import path

from tickets import views

app_name = "tickets"

urlpatterns = [
    path("cases/", views.my_cases, name="my_cases"),
    path("queue/", views.queue, name="queue"),
]
