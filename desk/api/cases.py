"""REST API for cases, messages, feedback and knowledge-base search.

Thin views: every read goes through ``tickets.selectors`` (scoped to the user, so someone
else's case is a 404 exactly like a missing one) and every write through
``tickets.services``; the domain errors become 400, 403 or 409 answers here.
"""

import uuid
from base64 import b64decode, b64encode
from datetime import datetime
from operator import attrgetter
from urllib import parse

from django import forms
from django.core.validators import RegexValidator
from django.db import IntegrityError
from django.db.models import (
    Case,
    F,
    IntegerField,
    Prefetch,
    Q,
    Value,
    When,
    prefetch_related_objects,
)
from django.urls import path
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from core.api.errors import FIELD_ERRORS, ErrorSerializer
from core.converters import MAX_ID
from desk.actions.open_case import CaseRequest, case_open
from desk.actions.reply import message_post
from desk.api.serializers import (
    TicketCreateSerializer,
    TicketDetailSerializer,
    TicketSerializer,
)
from partners import selectors as partner_selectors
from partners.access import api_role
from partners.models import Organisation
from partners.roles import Role, works_cases
from sla import display as sla_display
from sla.models import Clock
from tickets import search, selectors, services
from tickets.errors import FeedbackNotAllowed, NotEligible, TicketClosed
from tickets.models import Message, Ticket
from tickets.serializers import (
    ArticleSerializer,
    FeedbackCreateSerializer,
    FeedbackSerializer,
    KbSearchQuerySerializer,
    MessageCreateSerializer,
    MessageSerializer,
    NotEligibleSerializer,
    TicketClosedSerializer,
    not_eligible_body,
)

KB_RESULTS = 10

# Partners and the staff roles that work cases; billing staff have no access to cases.
CaseAccess = api_role(Role.PARTNER, Role.AGENT, Role.NOC, Role.ADMIN)

NOT_FOUND = OpenApiResponse(ErrorSerializer, description="No such case, or not yours.")
NO_ACCESS = OpenApiResponse(ErrorSerializer, description="Your role has no access to cases.")


# The order a case's clocks are shown in, whether read from the database or in hand.
CLOCK_ORDER = ("due_at", "metric")


def _clock_metrics(user):
    return sla_display.visible_metrics(internal=works_cases(user))


def clocks_prefetch(user) -> Prefetch:
    """The clocks ``user`` may see, read for a whole page of cases in one query."""
    return Prefetch(
        "clocks",
        queryset=Clock.objects.filter(metric__in=_clock_metrics(user)).order_by(*CLOCK_ORDER),
        to_attr="visible_clocks",
    )


def clocks_in_hand(ticket: Ticket, clocks: list[Clock], user) -> None:
    """What ``clocks_prefetch`` would read for ``ticket``, from clocks already in hand."""
    metrics = _clock_metrics(user)
    ticket.visible_clocks = sorted(
        (clock for clock in clocks if clock.metric in metrics), key=attrgetter(*CLOCK_ORDER)
    )


def visible_ticket(request, pk: int) -> Ticket:
    try:
        ticket = selectors.ticket_for(user=request.user, pk=pk)
    except Ticket.DoesNotExist:
        raise NotFound("No such case.") from None
    prefetch_related_objects([ticket], clocks_prefetch(request.user))
    return ticket


# --- Listing cases -------------------------------------------------------------------------


class IdFilter(filters.Filter):
    """A database id: out-of-range numbers are refused instead of reaching the database."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=1, max_value=MAX_ID, **kwargs)


class TicketApiFilter(filters.FilterSet):
    """The agent queue's filters. Partners may narrow their own list by status, type,
    reason, class of service and text; the rest apply to staff only."""

    STAFF_ONLY = frozenset({"tier", "region", "assignee", "organisation"})

    status = filters.MultipleChoiceFilter(
        choices=Ticket.Status.choices,
        help_text="Repeat for several statuses.",
        # A plain IN on the case's own column cannot repeat rows; DISTINCT would make the
        # database sort every matching case before it could return the first page.
        distinct=False,
    )
    case_type = filters.CharFilter(field_name="case_type__code", help_text="Case type code.")
    reason = filters.CharFilter(field_name="reason__code", help_text="Case reason code.")
    cos = filters.ChoiceFilter(choices=Ticket.ClassOfService.choices, help_text="Class of service.")
    tier = filters.ChoiceFilter(
        field_name="organisation__tier",
        choices=Organisation.Tier.choices,
        help_text="Partner tier of the organisation (staff only).",
    )
    region = filters.ChoiceFilter(
        field_name="organisation__region",
        choices=Organisation.Region.choices,
        help_text="Region of the organisation (staff only).",
    )
    assignee = filters.CharFilter(
        method="filter_assignee",
        validators=[RegexValidator(r"^(none|me|[0-9]{1,18})$", "Give a user id, “none” or “me”.")],
        help_text='A staff user id, "none" for unassigned cases or "me" (staff only).',
    )
    organisation = IdFilter(field_name="organisation_id", help_text="Organisation id (staff only).")
    q = filters.CharFilter(
        method="filter_text", help_text="A case number, or words in the subject or description."
    )

    class Meta:
        model = Ticket
        fields: list[str] = []

    def filter_queryset(self, queryset):
        staff = self.request is not None and works_cases(self.request.user)
        for name, value in self.form.cleaned_data.items():
            if name in self.STAFF_ONLY and not staff:
                continue
            queryset = self.filters[name].filter(queryset, value)
        return queryset

    def filter_assignee(self, queryset, name: str, value: str):
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        if value == "me":
            return queryset.filter(assignee_id=self.request.user.pk)
        return queryset.filter(assignee_id=int(value))

    def filter_text(self, queryset, name: str, value: str):
        return search.search_tickets(queryset, value)


BREACH_FIRST = "next_breach_at"
# Nearest breach first; cases with nothing waiting last, oldest first among equals. Matches
# the index the staff queue sorts on.
BREACH_ORDER = (
    F("next_breach_at").asc(nulls_last=True),
    F("created_at").asc(),
    F("id").asc(),
)


class TicketOrdering(OrderingFilter):
    """By creation time (either way), or for staff by the nearest SLA breach; the id breaks
    ties so pages never overlap. Staff get the nearest breach first unless they ask
    otherwise, partners the newest case first."""

    ordering_fields = ["created_at", BREACH_FIRST]
    ordering_description = (
        '"created_at" (oldest first), "-created_at" (newest first: the default for partners) '
        'or, for support staff, "next_breach_at" (nearest SLA breach first, cases with no '
        "clock waiting last, then oldest first: the default for staff)."
    )

    def remove_invalid_fields(self, queryset, fields, view, request):
        valid = super().remove_invalid_fields(queryset, fields, view, request)
        # Only staff sort by the breach instant (it includes internal clocks), and only
        # nearest first.
        staff = works_cases(request.user)
        return [
            term
            for term in valid
            if term.lstrip("-") != BREACH_FIRST or (staff and term == BREACH_FIRST)
        ]

    def get_default_ordering(self, view):
        if works_cases(view.request.user):
            return [BREACH_FIRST]
        return ["-created_at"]

    def get_ordering(self, request, queryset, view):
        ordering = list(super().get_ordering(request, queryset, view))
        if ordering[0] == BREACH_FIRST:
            return [BREACH_FIRST, "created_at", "id"]
        if not any(field.lstrip("-") == "id" for field in ordering):
            ordering.append("-id" if ordering[0].startswith("-") else "id")
        return ordering

    def filter_queryset(self, request, queryset, view):
        ordering = self.get_ordering(request, queryset, view)
        if ordering[0] == BREACH_FIRST:
            return queryset.order_by(*BREACH_ORDER)
        return queryset.order_by(*ordering)


def _after_in_breach_order(key: tuple) -> Q:
    """Cases after ``key`` = (next_breach_at or None, created_at, id) in BREACH_ORDER."""
    breach, created, pk = key
    later = Q(created_at__gt=created) | Q(created_at=created, id__gt=pk)
    if breach is None:
        return Q(next_breach_at__isnull=True) & later
    return (
        Q(next_breach_at__gt=breach)
        | Q(next_breach_at__isnull=True)
        | (Q(next_breach_at=breach) & later)
    )


def _before_in_breach_order(key: tuple) -> Q:
    breach, created, pk = key
    earlier = Q(created_at__lt=created) | Q(created_at=created, id__lt=pk)
    if breach is None:
        return Q(next_breach_at__isnull=False) | (Q(next_breach_at__isnull=True) & earlier)
    return Q(next_breach_at__lt=breach) | (Q(next_breach_at=breach) & earlier)


class TicketCursor(CursorPagination):
    """Next/previous links, never a COUNT over the whole table.

    DRF's cursor keeps the position of the first sort field only, which cannot hold the
    empty breach instants of cases with nothing waiting; in the nearest-breach order the
    cursor carries the whole sort key instead (keyset pagination).
    """

    ordering = ("-created_at", "-id")
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        self.by_breach = self.get_ordering(request, queryset, view)[0] == BREACH_FIRST
        if not self.by_breach:
            return super().paginate_queryset(queryset, request, view)
        self.request = request
        self.page_size = self.get_page_size(request)
        self.base_url = request.build_absolute_uri()
        key, backwards = self._decode_key(request)
        if backwards:
            ordered = queryset.order_by(*(term.copy().reverse_ordering() for term in BREACH_ORDER))
            ordered = ordered.filter(_before_in_breach_order(key))
        else:
            ordered = queryset.order_by(*BREACH_ORDER)
            if key is not None:
                ordered = ordered.filter(_after_in_breach_order(key))
        rows = list(ordered[: self.page_size + 1])
        more = len(rows) > self.page_size
        self.page = rows[: self.page_size]
        if backwards:
            self.page.reverse()
            self.has_next, self.has_previous = True, more
        else:
            self.has_next, self.has_previous = more, key is not None
        return self.page

    @staticmethod
    def _key_of(ticket: Ticket) -> tuple:
        return (ticket.next_breach_at, ticket.created_at, ticket.pk)

    def _decode_key(self, request) -> tuple[tuple | None, bool]:
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None, False
        try:
            tokens = parse.parse_qs(
                b64decode(encoded.encode("ascii"), validate=True).decode("ascii"),
                keep_blank_values=True,
            )
            breach = tokens["b"][0]
            key = (
                datetime.fromisoformat(breach) if breach else None,
                datetime.fromisoformat(tokens["c"][0]),
                int(tokens["i"][0]),
            )
            if key[1].tzinfo is None or (key[0] is not None and key[0].tzinfo is None):
                raise ValueError("naive instant")
            if not 0 < key[2] <= MAX_ID:
                raise ValueError("id out of range")
            return key, tokens.get("r", ["0"])[0] == "1"
        except (KeyError, TypeError, ValueError, UnicodeError):
            raise NotFound(self.invalid_cursor_message) from None

    def _link(self, ticket: Ticket, *, backwards: bool) -> str:
        breach, created, pk = self._key_of(ticket)
        tokens = {"b": breach.isoformat() if breach else "", "c": created.isoformat(), "i": pk}
        if backwards:
            tokens["r"] = "1"
        encoded = b64encode(parse.urlencode(tokens).encode("ascii")).decode("ascii")
        return replace_query_param(self.base_url, self.cursor_query_param, encoded)

    def get_next_link(self):
        if not self.by_breach:
            return super().get_next_link()
        if not self.has_next or not self.page:
            return None
        return self._link(self.page[-1], backwards=False)

    def get_previous_link(self):
        if not self.by_breach:
            return super().get_previous_link()
        if not self.has_previous or not self.page:
            return None
        return self._link(self.page[0], backwards=True)


class TicketListCreate(generics.ListAPIView):
    """Cases of your organisation (partners, newest first) or every case (support staff,
    nearest SLA breach first), each with the SLA clocks its reader may see."""

    permission_classes = [IsAuthenticated, CaseAccess]
    serializer_class = TicketSerializer
    pagination_class = TicketCursor
    filter_backends = [filters.DjangoFilterBackend, TicketOrdering]
    filterset_class = TicketApiFilter
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return (
            selectors.tickets_visible_to(self.request.user)
            # Joined in: what sorting and filtering may need. Each further join would cost
            # the planner more than the one small query that reads it for the whole page.
            .select_related("organisation", "case_type")
            .prefetch_related(
                "reason", "category", "subcategory", "device", clocks_prefetch(self.request.user)
            )
        )

    @extend_schema(
        summary="List cases",
        responses={200: TicketSerializer(many=True), 400: FIELD_ERRORS, 403: NO_ACCESS},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Open a case (partners)",
        description="Opens a case for your organisation. Eligibility is checked before "
        "anything is saved: a case your organisation may not open directly is refused with "
        "the partner or installer to contact instead.",
        request=TicketCreateSerializer,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.UUID,
                OpenApiParameter.HEADER,
                description="Same role as submission_key in the body.",
            )
        ],
        responses={
            201: OpenApiResponse(TicketDetailSerializer, description="The case was opened."),
            200: OpenApiResponse(
                TicketDetailSerializer,
                description="This submission key already opened this case; nothing new.",
            ),
            400: FIELD_ERRORS,
            403: OpenApiResponse(
                NotEligibleSerializer,
                description="Not eligible for direct support: whom to contact instead. "
                "Also returned (with detail only) to staff and billing users.",
            ),
        },
    )
    def post(self, request, *args, **kwargs):
        if not request.user.is_partner:
            return Response(
                {
                    "detail": "The API opens cases for partner users only. To log a case for "
                    "a partner, use the staff case pages."
                },
                status=status.HTTP_403_FORBIDDEN,
            )
        serializer = TicketCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        errors: dict[str, list[str]] = {}

        submission_key = data.get("submission_key")
        header_key = request.headers.get("Idempotency-Key", "").strip()
        if header_key:
            try:
                header_uuid = uuid.UUID(header_key)
            except ValueError:
                errors["submission_key"] = ["The Idempotency-Key header must be a UUID."]
            else:
                if submission_key and submission_key != header_uuid:
                    errors["submission_key"] = [
                        "The Idempotency-Key header and submission_key differ."
                    ]
                submission_key = header_uuid

        device = None
        if data.get("device"):
            device = (
                partner_selectors.devices_visible_to(request.user)
                .filter(serial_number=data["device"].strip())
                .first()
            )
            if device is None:
                errors["device"] = ["No PBX or device of your organisation has this serial number."]

        follow_up_of = None
        if data.get("follow_up_of") is not None:
            follow_up_of = (
                selectors.tickets_visible_to(request.user).filter(pk=data["follow_up_of"]).first()
            )
            if follow_up_of is None:
                errors["follow_up_of"] = ["No case of your organisation has this id."]
        if errors:
            return Response(errors, status=status.HTTP_400_BAD_REQUEST)

        try:
            ticket, created = case_open(
                CaseRequest(
                    requester=request.user,
                    case_type=data["case_type"],
                    reason=data.get("reason") or None,
                    category=data.get("category") or None,
                    subcategory=data.get("subcategory") or None,
                    subject=data["subject"],
                    description=data["description"],
                    device=device,
                    wms_version=data.get("wms_version") or "",
                    firmware_versions=data.get("firmware_versions") or "",
                    critical_criterion=data.get("critical_criterion") or "",
                    follow_up_of=follow_up_of,
                    submission_key=submission_key,
                    channel=Ticket.Channel.API,
                )
            )
        except NotEligible as exc:
            return Response(not_eligible_body(exc), status=status.HTTP_403_FORBIDDEN)
        if created:
            # The new case is in hand with every relation and clock the answer shows.
            clocks_in_hand(ticket, ticket.started_clocks, request.user)
        else:
            ticket = visible_ticket(request, ticket.pk)
        return Response(
            TicketDetailSerializer(ticket, context={"request": request}).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class TicketDetail(generics.RetrieveAPIView):
    permission_classes = [IsAuthenticated, CaseAccess]
    serializer_class = TicketDetailSerializer

    @extend_schema(
        summary="One case",
        responses={200: TicketDetailSerializer, 403: NO_ACCESS, 404: NOT_FOUND},
    )
    def get(self, request, pk: int):
        ticket = visible_ticket(request, pk)
        return Response(TicketDetailSerializer(ticket, context={"request": request}).data)


# --- The conversation ----------------------------------------------------------------------


class MessageCursor(CursorPagination):
    ordering = ("created_at", "id")
    page_size_query_param = "page_size"
    max_page_size = 200


class TicketMessages(generics.ListAPIView):
    """The conversation of a case, oldest first. Partners see public replies only."""

    permission_classes = [IsAuthenticated, CaseAccess]
    serializer_class = MessageSerializer
    pagination_class = MessageCursor
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        ticket = visible_ticket(self.request, self.kwargs["pk"])
        return selectors.messages_visible_to(self.request.user, ticket)

    @extend_schema(
        summary="Messages of a case",
        responses={200: MessageSerializer(many=True), 403: NO_ACCESS, 404: NOT_FOUND},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Reply, or add an internal note (staff)",
        description="A partner's reply reopens a resolved case. A closed case takes no "
        "more replies: open a follow-up case that refers to it.",
        request={
            "application/json": MessageCreateSerializer,
            "multipart/form-data": MessageCreateSerializer,
        },
        responses={
            201: MessageSerializer,
            400: FIELD_ERRORS,
            403: NO_ACCESS,
            404: NOT_FOUND,
            409: OpenApiResponse(
                TicketClosedSerializer,
                description="The case is closed; open a follow-up case instead.",
            ),
        },
    )
    def post(self, request, pk: int):
        ticket = visible_ticket(request, pk)
        serializer = MessageCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            message = message_post(
                ticket=ticket,
                author=request.user,
                body=data["body"],
                internal=data["internal"],
                attachments=data["attachments"],
                channel=Message.Channel.API,
            )
        except TicketClosed as exc:
            return Response(
                {
                    "detail": str(exc),
                    "follow_up": f"Open a follow-up case: POST /api/tickets/ with "
                    f"follow_up_of={ticket.pk}.",
                },
                status=status.HTTP_409_CONFLICT,
            )
        message = (
            Message.objects.select_related("author")
            .prefetch_related("attachments")
            .get(pk=message.pk)
        )
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)


class TicketFeedback(APIView):
    permission_classes = [IsAuthenticated, CaseAccess]

    @extend_schema(
        summary="Rate a resolved or closed case (once)",
        request=FeedbackCreateSerializer,
        responses={
            201: FeedbackSerializer,
            400: FIELD_ERRORS,
            403: OpenApiResponse(
                ErrorSerializer, description="Only the case's organisation gives feedback."
            ),
            404: NOT_FOUND,
            409: OpenApiResponse(
                ErrorSerializer,
                description="The case is not resolved yet, or feedback was already given.",
            ),
        },
    )
    def post(self, request, pk: int):
        ticket = visible_ticket(request, pk)
        serializer = FeedbackCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            feedback = services.feedback_give(
                ticket=ticket,
                author=request.user,
                rating=serializer.validated_data["rating"],
                comment=serializer.validated_data.get("comment", ""),
            )
        except FeedbackNotAllowed as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        except IntegrityError:
            # Two submissions raced past the "already given" check; the first one won.
            return Response(
                {"detail": "Feedback on this case has already been given."},
                status=status.HTTP_409_CONFLICT,
            )
        return Response(FeedbackSerializer(feedback).data, status=status.HTTP_201_CREATED)


# --- Knowledge base ------------------------------------------------------------------------


class KbSearch(APIView):
    """Published articles matching the words, best first; at most ten."""

    @extend_schema(
        summary="Search the knowledge base",
        parameters=[KbSearchQuerySerializer],
        responses={200: ArticleSerializer(many=True), 400: FIELD_ERRORS},
    )
    def get(self, request):
        query = KbSearchQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        text = query.validated_data["q"]
        articles = search.search_articles(selectors.articles_published(), text)
        case_type = query.validated_data.get("case_type")
        reason = query.validated_data.get("reason")
        fits = []
        if reason:
            fits.append(When(reason_code=reason, then=Value(2)))
        if case_type:
            fits.append(When(case_type_code=case_type, then=Value(1)))
        if fits:
            # Articles written for the case being described come first, then the rest.
            articles = articles.annotate(
                fit=Case(*fits, default=Value(0), output_field=IntegerField())
            ).order_by("-fit", *articles.query.order_by)
        return Response(ArticleSerializer(articles[:KB_RESULTS], many=True).data)


urlpatterns = [
    path("tickets/", TicketListCreate.as_view(), name="api-tickets"),
    path("tickets/<int:pk>/", TicketDetail.as_view(), name="api-ticket"),
    path("tickets/<int:pk>/messages/", TicketMessages.as_view(), name="api-ticket-messages"),
    path("tickets/<int:pk>/feedback/", TicketFeedback.as_view(), name="api-ticket-feedback"),
    path("kb/search/", KbSearch.as_view(), name="api-kb-search"),
]
