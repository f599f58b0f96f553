"""Pages for support staff: the queue and the staff side of a case."""

from django.shortcuts import render
from django.urls import path

from partners.access import role_required
from partners.roles import Role


@role_required(Role.AGENT)
def queue(request):
    return render(request, "tickets/queue.html")


urlpatterns = [
    path("queue/", queue, name="queue"),
]
