"""The API for a case's conversation and feedback, and the knowledge-base search.

Every write goes through ``tickets.services`` or the use cases in ``desk.actions``; the
domain errors become 409 answers here.
"""

from django.db import IntegrityError
from django.db.models import Case, IntegerField, Value, When
from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.cursor import CheckedCursor
from core.api.errors import FIELD_ERRORS, ErrorSerializer
from core.api.parsers import JSONParser
from desk.actions.reply import Reply, message_post
from desk.api.access import NO_ACCESS, NOT_FOUND, CaseAccess, visible_ticket
from tickets import search, selectors, services
from tickets.errors import FeedbackNotAllowed, TicketClosed
from tickets.models import Message
from tickets.serializers import (
    ArticleSerializer,
    FeedbackCreateSerializer,
    FeedbackSerializer,
    KbSearchQuerySerializer,
    MessageCreateSerializer,
    MessageSerializer,
    TicketClosedSerializer,
)

KB_RESULTS = 10


# --- The conversation ----------------------------------------------------------------------


class MessageCursor(CheckedCursor):
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
                reply=Reply(
                    author=request.user,
                    body=data["body"],
                    internal=data["internal"],
                    attachments=data["attachments"],
                    channel=Message.Channel.API,
                ),
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
    path("tickets/<int:pk>/messages/", TicketMessages.as_view(), name="api-ticket-messages"),
    path("tickets/<int:pk>/feedback/", TicketFeedback.as_view(), name="api-ticket-feedback"),
    path("kb/search/", KbSearch.as_view(), name="api-kb-search"),
]
