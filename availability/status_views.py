"""The status page: every service the user may see, its state, the month so far and the last
90 days; current incidents and announced maintenance; and each incident's own page with its
public updates.

Around it, the status notices: the page where people choose which services' incidents and
maintenance they are e-mailed about, the link in each e-mail that stops them without signing
in, and an Atom feed per service. A feed's address holds the reader's own secret key (a new
key retires the old addresses); with ``PUBLIC_STATUS_PAGE`` on, the public page and public
feeds need none. Feeds and the public page carry only whole-service news, never an
organisation's.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from availability import notice_mail, status
from availability.models import Service, StatusFeedKey, StatusSubscription
from availability.services import notices
from partners.access import role_required
from partners.models import User
from partners.roles import STAFF_ROLES, Role, has_role

EVERYONE = (Role.PARTNER, *STAFF_ROLES)


def _board_page(request, board, *, public: bool):
    return render(
        request,
        "availability/status.html",
        {
            "board": board,
            "public": public,
            "legend": [(level.value, label) for level, label in status.LEVEL_LABELS.items()],
            "minor_from": status.MINOR_FROM,
            "major_from": status.MAJOR_FROM,
        },
    )


@role_required(*EVERYONE)
def status_page(request):
    board = status.status_board(user=request.user, now=timezone.now())
    return _board_page(request, board, public=False)


@role_required(*EVERYONE)
def status_incident(request, pk: int):
    incident = status.incident_get_for(user=request.user, pk=pk, now=timezone.now())
    return render(
        request,
        "availability/status_incident.html",
        {
            "incident": incident,
            "standing": status.incident_status(incident),
            "is_noc": has_role(request.user, Role.NOC),
        },
    )


# --- Following services ------------------------------------------------------------------


@role_required(*EVERYONE)
def status_subscriptions(request):
    """Which services' incidents and maintenance the user is e-mailed about, and their feed
    addresses."""
    now = timezone.now()
    services = list(status.services_visible_to(request.user, today=now.date()).order_by("name"))
    if request.method == "POST":
        choices = {
            service: (
                f"incidents-{service.pk}" in request.POST,
                f"maintenance-{service.pk}" in request.POST,
            )
            for service in services
        }
        try:
            notices.status_subscriptions_set(user=request.user, choices=choices, visible=services)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Your status e-mails are saved.")
        return redirect("availability:status_subscriptions")
    following = {
        row.service_id: row for row in StatusSubscription.objects.filter(user=request.user)
    }
    key = StatusFeedKey.objects.filter(user=request.user).first()
    rows = [
        {
            "service": service,
            "incidents": service.pk in following and following[service.pk].incidents,
            "maintenance": service.pk in following and following[service.pk].maintenance,
            "feed_url": (
                request.build_absolute_uri(
                    reverse("availability:status_feed", args=[key.key, service.code])
                )
                if key
                else ""
            ),
        }
        for service in services
    ]
    return render(
        request,
        "availability/status_subscriptions.html",
        {"rows": rows, "feed_key": key},
    )


@require_POST
@role_required(*EVERYONE)
def status_feed_key_renew(request):
    had_key = StatusFeedKey.objects.filter(user=request.user).exists()
    notices.status_feed_key_renew(user=request.user)
    messages.success(
        request,
        "New feed addresses made: the old ones no longer work."
        if had_key
        else "Your feed addresses are ready.",
    )
    return redirect(reverse("availability:status_subscriptions") + "#feeds")


@csrf_exempt
def status_unsubscribe(request, token: str):
    """Stop the e-mails of the services a notice was about, from the link in it, without
    signing in. A GET only asks (mail scanners follow links); the button, or a mail
    program's one-click request (RFC 8058, which carries no CSRF token: the signed token is
    the proof), stops them."""
    found = notice_mail.unsubscribe_read(token)
    if found is None:
        return render(request, "availability/status_unsubscribe.html", {"bad": True}, status=404)
    user_id, service_ids = found
    services = list(Service.objects.filter(pk__in=service_ids).order_by("name"))
    done = False
    if request.method == "POST":
        notices.status_unsubscribe(user_id=user_id, service_ids=service_ids)
        done = True
    return render(
        request,
        "availability/status_unsubscribe.html",
        {"services": services, "done": done, "token": token},
    )


# --- Feeds and the public page -------------------------------------------------------------


def _atom(request, service: Service, *, link: str, incident_pages: bool) -> HttpResponse:
    """The feed of ``service``; its entries link to the incident's status page when the
    reader can open it (``incident_pages``), else to ``link``."""
    now = timezone.now()
    feed = Atom1Feed(
        title=f"{service.name}: service status",
        link=link,
        description=f"Incidents and planned maintenance of {service.name}.",
        language="en",
        feed_url=request.build_absolute_uri(),
        feed_guid=request.build_absolute_uri(f"/status/{service.code}"),
    )
    for entry in status.feed_entries(service, now=now):
        target = link
        if entry.link_incident is not None and incident_pages:
            target = request.build_absolute_uri(
                reverse("availability:status_incident", args=[entry.link_incident])
            )
        feed.add_item(
            title=entry.title,
            link=target,
            description=entry.text,
            unique_id=request.build_absolute_uri(f"/status/{service.code}/{entry.key}"),
            pubdate=entry.at,
            updateddate=entry.at,
        )
    response = HttpResponse(content_type="application/atom+xml; charset=utf-8")
    feed.write(response, "utf-8")
    response["Cache-Control"] = "private, max-age=60"
    return response


def status_feed(request, key: str, code: str):
    """A service's feed for the holder of ``key``: the services that person may see."""
    owner = StatusFeedKey.objects.select_related("user").filter(key=key).first()
    user: User | None = owner.user if owner else None
    if user is None or not user.is_active or not has_role(user, *EVERYONE):
        raise Http404("No such feed.")
    service = get_object_or_404(
        status.services_visible_to(user, today=timezone.now().date()), code=code
    )
    link = request.build_absolute_uri(reverse("availability:status"))
    return _atom(request, service, link=link, incident_pages=True)


def _public_on() -> None:
    if not settings.PUBLIC_STATUS_PAGE:
        raise Http404("There is no public status page.")


def status_public(request):
    """The status of every service without signing in (``PUBLIC_STATUS_PAGE``)."""
    _public_on()
    board = status.status_board(user=None, now=timezone.now())
    return _board_page(request, board, public=True)


def status_public_feed(request, code: str):
    _public_on()
    service = get_object_or_404(
        status.services_visible_to(None, today=timezone.now().date()), code=code
    )
    link = request.build_absolute_uri(reverse("availability:status_public"))
    return _atom(request, service, link=link, incident_pages=False)
