from django.shortcuts import render

from partners.access import role_required
from partners.roles import Role


@role_required(Role.NOC)
def noc_board(request):
    return render(request, "sla/noc_board.html")
