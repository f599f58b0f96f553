from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core import ratelimit
from core.client_address import client_ident
from partners import policy_dates, selectors, services
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
    tokens = selectors.api_tokens_of(request.user, now=timezone.now())
    return render(request, "partners/profile.html", {"form": form, "api_tokens": tokens})


@login_required
@require_POST
def api_token_revoke(request, pk: int):
    tokens = selectors.api_tokens_of(request.user, now=timezone.now())
    token = get_object_or_404(tokens, pk=pk)
    services.api_token_revoke(token=token)
    messages.success(request, f"The API token “{token}” has been revoked.")
    return redirect("partners:profile")


RESET_LIMITED = (
    "Too many password reset requests from your network or for that e-mail address. "
    "Try again in {wait}; any link already sent still works."
)


class PasswordResetView(auth_views.PasswordResetView):
    """Django's password reset, with requests limited per client address and per e-mail
    address asked for. The refusal reads the same whether or not the address has an
    account, as the page's answer to a request does."""

    def form_valid(self, form):
        email = form.cleaned_data["email"].strip().lower()
        verdict = ratelimit.hit(
            "password-reset-address",
            client_ident(self.request),
            settings.PASSWORD_RESET_ADDRESS_RATE,
        )
        if verdict.allowed:
            verdict = ratelimit.hit(
                "password-reset-email", email, settings.PASSWORD_RESET_EMAIL_RATE
            )
        if verdict.allowed:
            return super().form_valid(form)
        minutes = -(-verdict.retry_after // 60)
        wait = "a minute" if minutes == 1 else f"{minutes} minutes"
        form.add_error(None, RESET_LIMITED.format(wait=wait))
        response = self.render_to_response(self.get_context_data(form=form), status=429)
        response["Retry-After"] = str(verdict.retry_after)
        return response


@role_required(Role.ADMIN)
def administration(request):
    counts = {
        "organisations": Organisation.objects.count(),
        "users": User.objects.count(),
        "devices": Device.objects.count(),
        "policies": PolicyVersion.objects.count(),
    }
    # A version takes effect region by region (local midnight on its date in the zone of
    # the region's calendar): it shows as in force once it is in force in any region.
    policies = list(PolicyVersion.objects.all())
    by_date = {policy.effective_from: policy for policy in policies}
    now = timezone.now()
    taken = [
        found
        for zone in settings.REGION_TIME_ZONES.values()
        if (found := policy_dates.version_in_force(by_date, now, zone)) is not None
    ]
    in_force = by_date[max(taken)] if taken else None
    return render(
        request,
        "partners/administration.html",
        {
            "counts": counts,
            "in_force": in_force,
            "policies": policies,
        },
    )
