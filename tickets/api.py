"""REST API for cases, messages, feedback and knowledge-base search.

Thin views: every read goes through ``tickets.selectors`` (scoped to the user, so someone
else's case is a 404 exactly like a missing one) and every write through
``tickets.services``; the domain errors become 400, 403 or 409 answers here.
"""

import uuid

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import RegexValidator
from django.db import IntegrityError
from django.db.models import Case, IntegerField, Value, When
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
from rest_framework.views import APIView

from partners import selectors as partner_selectors
from partners.access import api_role
from partners.eligibility import Outcome
from partners.models import Organisation
from partners.roles import Role, works_cases
from tickets import search, selectors, services
from tickets.errors import FeedbackNotAllowed, NotEligible, TicketClosed
from tickets.models import Message, Ticket
from tickets.serializers import (
    ArticleSerializer,
    ErrorSerializer,
    FeedbackCreateSerializer,
    FeedbackSerializer,
    KbSearchQuerySerializer,
    MessageCreateSerializer,
    MessageSerializer,
    NotEligibleSerializer,
    TicketClosedSerializer,
    TicketCreateSerializer,
    TicketDetailSerializer,
    TicketSerializer,
)

KB_RESULTS = 10
MAX_ID = 2**63 - 1

# Partners and the staff roles that work cases; billing staff have no access to cases.
CaseAccess = api_role(Role.PARTNER, Role.AGENT, Role.NOC, Role.ADMIN)

FIELD_ERRORS = OpenApiResponse(
    response={
        "type": "object",
        "additionalProperties": {"type": "array", "items": {"type": "string"}},
    },
    description='Invalid input: field name → list of messages, e.g. {"subject": ["…"]}.',
)
NOT_FOUND = OpenApiResponse(ErrorSerializer, description="No such case, or not yours.")
NO_ACCESS = OpenApiResponse(ErrorSerializer, description="Your role has no access to cases.")


def field_errors(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return exc.message_dict
    return {"non_field_errors": exc.messages}


def visible_ticket(request, pk: int) -> Ticket:
    try:
        return selectors.ticket_for(user=request.user, pk=pk)
    except Ticket.DoesNotExist:
        raise NotFound("No such case.") from None


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
        choices=Ticket.Status.choices, help_text="Repeat for several statuses."
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


class NewestFirst(OrderingFilter):
    """Ordering by creation time only (indexed, and stable under cursor pagination), with
    the id as tie-breaker."""

    ordering_fields = ["created_at"]
    ordering_description = 'Sort by "created_at" (oldest first) or "-created_at" (default).'

    def get_ordering(self, request, queryset, view):
        ordering = list(super().get_ordering(request, queryset, view))
        if not any(field.lstrip("-") == "id" for field in ordering):
            ordering.append("-id" if ordering[0].startswith("-") else "id")
        return ordering


class TicketCursor(CursorPagination):
    """Next/previous links, never a COUNT over the whole table."""

    ordering = ("-created_at", "-id")
    page_size_query_param = "page_size"
    max_page_size = 200


class TicketListCreate(generics.ListAPIView):
    """Cases of your organisation (partners) or every case (support staff), newest first."""

    permission_classes = [IsAuthenticated, CaseAccess]
    serializer_class = TicketSerializer
    pagination_class = TicketCursor
    filter_backends = [filters.DjangoFilterBackend, NewestFirst]
    filterset_class = TicketApiFilter
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return selectors.tickets_visible_to(self.request.user).select_related(
            "organisation", "case_type", "reason", "category", "subcategory", "device"
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
            ticket, created = services.ticket_create(
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
        except DjangoValidationError as exc:
            return Response(field_errors(exc), status=status.HTTP_400_BAD_REQUEST)
        except NotEligible as exc:
            return Response(not_eligible_body(exc), status=status.HTTP_403_FORBIDDEN)
        ticket = selectors.ticket_for(user=request.user, pk=ticket.pk)
        return Response(
            TicketDetailSerializer(ticket).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


def not_eligible_body(exc: NotEligible) -> dict:
    decision = exc.decision
    contact = decision.contact
    if decision.outcome is Outcome.REFER_INSTALLER:
        who = "the installer of your system"
    else:
        who = "your assigned partner"
    if contact is not None:
        detail = (
            f"Your organisation cannot open this kind of case with us directly. "
            f"Please contact {who}, {contact.name}, who handles it for you."
        )
    else:
        detail = (
            f"Your organisation cannot open this kind of case with us directly; it goes "
            f"through {who}, and we have no contact on file. Please ask your account manager."
        )
    if decision.limited_to:
        detail += " You can still open these yourself: " + "; ".join(decision.limited_to) + "."
    return {
        "detail": detail,
        "refer_to": (
            {"name": contact.name, "email": contact.email, "phone": contact.phone}
            if contact is not None
            else None
        ),
        "limited_to": list(decision.limited_to),
    }


class TicketDetail(generics.RetrieveAPIView):
    permission_classes = [IsAuthenticated, CaseAccess]
    serializer_class = TicketDetailSerializer

    @extend_schema(
        summary="One case",
        responses={200: TicketDetailSerializer, 403: NO_ACCESS, 404: NOT_FOUND},
    )
    def get(self, request, pk: int):
        return Response(TicketDetailSerializer(visible_ticket(request, pk)).data)


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
            message = services.message_post(
                ticket=ticket,
                author=request.user,
                body=data["body"],
                internal=data["internal"],
                attachments=data["attachments"],
                channel=Message.Channel.API,
            )
        except DjangoValidationError as exc:
            return Response(field_errors(exc), status=status.HTTP_400_BAD_REQUEST)
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
        except DjangoValidationError as exc:
            return Response(field_errors(exc), status=status.HTTP_400_BAD_REQUEST)
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
