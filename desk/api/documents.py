"""Documents asked of the partner on a case (terms 7.9): the requests with their checklists
(partner and staff), a new request (staff), and the partner's upload against one item.

The rules are the pages' (``desk.actions.documents``, ``tickets.services.documents``): a
due date that leaves less than one whole working day, an unknown kind of document or a file
the attachment rules refuse is a 400 with the field; someone else's case or item a 404.
"""

from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.errors import FIELD_ERRORS, ErrorSerializer
from core.api.parsers import JSONParser
from desk.actions.documents import documents_request
from desk.api.access import NO_ACCESS, NOT_FOUND, CaseAccess, visible_ticket
from partners.access import api_role
from partners.roles import Role, works_cases
from tickets import selectors
from tickets.models import DocumentItem, DocumentRequest
from tickets.services import documents

PartnerAccess = api_role(Role.PARTNER)


class AttachmentRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="original_name")
    size = serializers.IntegerField()


class DocumentItemSerializer(serializers.ModelSerializer):
    attachment = AttachmentRefSerializer(allow_null=True, help_text="The file uploaded for it.")

    class Meta:
        model = DocumentItem
        fields = ["id", "kind", "label", "note", "fulfilled_at", "attachment"]


class DocumentRequestSerializer(serializers.ModelSerializer):
    asked_by = serializers.CharField(source="asked_by.get_full_name")
    overdue = serializers.SerializerMethodField(
        help_text="The due date has passed with documents missing."
    )
    items = DocumentItemSerializer(many=True)

    class Meta:
        model = DocumentRequest
        fields = [
            "id",
            "asked_by",
            "asked_at",
            "due_date",
            "due_at",
            "note",
            "state",
            "overdue",
            "non_responsive_at",
            "received_at",
            "items",
        ]

    def get_overdue(self, request: DocumentRequest) -> bool:
        missing = any(not item.is_fulfilled for item in request.items.all())
        return missing and (request.is_overdue or timezone.now() >= request.due_at)


class ItemInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DocumentItem.Kind.choices)
    label = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required for kind 'other'; defaults to the kind's name.",
    )
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class DocumentRequestCreateSerializer(serializers.Serializer):
    due_date = serializers.DateField(
        help_text="The last day, in the partner's zone; at least the first working day after today."
    )
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    items = ItemInputSerializer(many=True, allow_empty=False, max_length=documents.MAX_ITEMS)


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField()


def _requests(ticket):
    return list(selectors.document_requests_of(ticket))


class TicketDocumentRequests(APIView):
    # Whose case it is is checked first, so another organisation's case is a 404 to every
    # partner; then only staff may ask.
    permission_classes = [IsAuthenticated, CaseAccess]
    parser_classes = [JSONParser]

    @extend_schema(
        summary="Documents asked for on a case",
        responses={200: DocumentRequestSerializer(many=True), 403: NO_ACCESS, 404: NOT_FOUND},
    )
    def get(self, request, pk: int):
        ticket = visible_ticket(request, pk)
        return Response(DocumentRequestSerializer(_requests(ticket), many=True).data)

    @extend_schema(
        summary="Ask the partner for documents (staff)",
        description="The partner is e-mailed, reminded two working days before and on the "
        "due date, and recorded as non-responsive once the due date has passed.",
        request=DocumentRequestCreateSerializer,
        responses={
            201: DocumentRequestSerializer,
            400: FIELD_ERRORS,
            403: OpenApiResponse(ErrorSerializer, description="Only support staff may ask."),
            404: NOT_FOUND,
        },
    )
    def post(self, request, pk: int):
        ticket = visible_ticket(request, pk)
        if not works_cases(request.user):
            raise PermissionDenied("Only support staff may ask for documents.")
        serializer = DocumentRequestCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        asked = documents_request(
            ticket=ticket,
            actor=request.user,
            due_date=data["due_date"],
            note=data["note"],
            items=[documents.ItemSpec(**item) for item in data["items"]],
            now=timezone.now(),
        )
        fresh = next(row for row in _requests(ticket) if row.pk == asked.pk)
        return Response(DocumentRequestSerializer(fresh).data, status=status.HTTP_201_CREATED)


class DocumentItemUpload(APIView):
    permission_classes = [IsAuthenticated, PartnerAccess]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary="Upload the document for one item (partner)",
        request={"multipart/form-data": UploadSerializer},
        responses={
            200: DocumentRequestSerializer,
            400: FIELD_ERRORS,
            403: OpenApiResponse(ErrorSerializer, description="Only the partner uploads."),
            404: NOT_FOUND,
        },
    )
    def post(self, request, pk: int, item: int):
        ticket = visible_ticket(request, pk)
        try:
            document = selectors.document_item_for(ticket=ticket, pk=item)
        except DocumentItem.DoesNotExist:
            raise NotFound("No such document on this case.") from None
        serializer = UploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        documents.document_upload(
            item=document,
            user=request.user,
            upload=serializer.validated_data["file"],
            now=timezone.now(),
        )
        fresh = next(row for row in _requests(ticket) if row.pk == document.request_id)
        return Response(DocumentRequestSerializer(fresh).data)


urlpatterns = [
    path(
        "tickets/<int:pk>/document-requests/",
        TicketDocumentRequests.as_view(),
        name="api-ticket-document-requests",
    ),
    path(
        "tickets/<int:pk>/document-items/<int:item>/upload/",
        DocumentItemUpload.as_view(),
        name="api-ticket-document-upload",
    ),
]
