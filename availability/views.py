from django.shortcuts import render

from partners.access import role_required
from partners.models import PolicyVersion
from partners.roles import Role


@role_required(Role.BILLING)
def billing(request):
    policies = PolicyVersion.objects.prefetch_related("credit_bands")
    return render(request, "availability/billing.html", {"policies": policies})
