from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from partners import selectors
from partners.access import role_required
from partners.forms import ProfileForm
from partners.models import Device, Organisation, PolicyVersion, User
from partners.roles import Role, primary_role

LANDING_PAGES = {
    Role.PARTNER: "tickets:my_cases",
    Role.AGENT: "tickets:queue",
    Role.NOC: "sla:noc_board",
    Role.BILLING: "availability:billing",
    Role.ADMIN: "partners:administration",
}


def landing_url_for(user: User) -> str:
    role = primary_role(user)
    return reverse(LANDING_PAGES[role]) if role else reverse("partners:no_role")


def landing(request):
    if not request.user.is_authenticated:
        return redirect("login")
    return redirect(landing_url_for(request.user))


@login_required
def no_role(request):
    return render(request, "partners/no_role.html", status=403)


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your profile has been saved.")
        return redirect("partners:profile")
    return render(request, "partners/profile.html", {"form": form})


@role_required(Role.ADMIN)
def administration(request):
    counts = {
        "organisations": Organisation.objects.count(),
        "users": User.objects.count(),
        "devices": Device.objects.count(),
        "policies": PolicyVersion.objects.count(),
    }
    try:
        in_force = selectors.policy_in_force(timezone.now())
    except selectors.NoPolicyInForce:
        in_force = None
    return render(
        request,
        "partners/administration.html",
        {
            "counts": counts,
            "in_force": in_force,
            "policies": PolicyVersion.objects.all(),
        },
    )
