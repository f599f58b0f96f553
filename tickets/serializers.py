"""Shapes of the REST API's requests and answers for cases, messages, feedback and articles.

Reading serializers only present what a selector already decided the user may see; writing
serializers check the shape of the input and leave the rules to ``tickets.services``.
"""

from datetime import datetime

from django.urls import NoReverseMatch, reverse
from rest_framework import serializers

from core.formatting import list_text
from partners.eligibility import Outcome
from tickets.errors import NotEligible
from tickets.models import Article, Attachment, Feedback, Message

EXCERPT_CHARS = 200


class OrganisationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


def instant(value: datetime | None) -> str | None:
    """An instant written like every other date-time field of the API."""
    return None if value is None else serializers.DateTimeField().to_representation(value)


class AuthorSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(source="get_full_name", read_only=True)
    is_staff_side = serializers.SerializerMethodField()

    def get_is_staff_side(self, user) -> bool:
        return not user.is_partner


def _page_path(name: str, fallback: str, **kwargs) -> str:
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return fallback


def attachment_path(pk: int) -> str:
    return _page_path("tickets:attachment_download", f"/attachments/{pk}/", pk=pk)


def article_path(slug: str) -> str:
    return _page_path("tickets:article", f"/kb/{slug}/", slug=slug)


class AttachmentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name", read_only=True)
    url = serializers.SerializerMethodField(help_text="Download page of the file.")

    class Meta:
        model = Attachment
        fields = ["id", "name", "content_type", "size", "url"]
        read_only_fields = fields

    def get_url(self, attachment: Attachment) -> str:
        return attachment_path(attachment.pk)


class MessageSerializer(serializers.ModelSerializer):
    author = AuthorSerializer(read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Message
        fields = ["id", "author", "visibility", "body", "channel", "created_at", "attachments"]
        read_only_fields = fields


class MessageCreateSerializer(serializers.Serializer):
    body = serializers.CharField(trim_whitespace=False)
    internal = serializers.BooleanField(
        default=False, help_text="An internal note, never shown to the partner (staff only)."
    )
    attachments = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True),
        required=False,
        default=list,
        help_text="Files to attach; send the field several times (multipart).",
    )


class FeedbackCreateSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5, help_text="From 1 to 5.")
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class FeedbackSerializer(serializers.ModelSerializer):
    class Meta:
        model = Feedback
        fields = ["id", "ticket", "rating", "comment", "created_at"]
        read_only_fields = fields


class ArticleSerializer(serializers.ModelSerializer):
    tags = serializers.ListField(source="tag_list", child=serializers.CharField(), read_only=True)
    url = serializers.SerializerMethodField()
    excerpt = serializers.SerializerMethodField()

    class Meta:
        model = Article
        fields = ["id", "title", "slug", "product", "tags", "url", "excerpt"]
        read_only_fields = fields

    def get_url(self, article: Article) -> str:
        return article_path(article.slug)

    def get_excerpt(self, article: Article) -> str:
        text = " ".join(article.body.split())
        if len(text) <= EXCERPT_CHARS:
            return text
        cut = text[:EXCERPT_CHARS].rsplit(" ", 1)[0]
        return cut.rstrip(",;:.") + "…"


class KbSearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(max_length=300, help_text="Words to look for.")
    # Codes are taken as sent, as the schema's pattern says: " tech_support" is no code.
    case_type = serializers.SlugField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        help_text="Ranks articles about this case type first.",
    )
    reason = serializers.SlugField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        help_text="Ranks articles about this reason first.",
    )


# --- Error shapes, for the schema ----------------------------------------------------------


class ContactSerializer(serializers.Serializer):
    name = serializers.CharField()
    email = serializers.EmailField()
    phone = serializers.CharField()


class HandUpSerializer(serializers.Serializer):
    request = serializers.IntegerField(help_text="Id of the draft kept with what you sent.")
    number = serializers.CharField()
    recipient = OrganisationRefSerializer(help_text="The organisation it would go to.")
    status = serializers.CharField(help_text='"draft" until sent.')
    send = serializers.CharField(help_text="POST here to send it to them.")


class NotEligibleSerializer(serializers.Serializer):
    detail = serializers.CharField()
    # Both are left out of the answer to staff, who may not open cases through the API.
    refer_to = ContactSerializer(
        allow_null=True,
        required=False,
        help_text="Whom to contact instead; null when none is on file.",
    )
    limited_to = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="With limited access: the reasons the organisation may still open itself.",
    )
    hand_up = HandUpSerializer(
        allow_null=True,
        required=False,
        help_text="The refused case, kept as a draft you may send to your partner or "
        "installer; null when none is on file.",
    )


class TicketClosedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    follow_up = serializers.CharField(help_text="How to open a follow-up case instead.")


def not_eligible_body(exc: NotEligible) -> dict:
    """The body of a refused case: whom to turn to instead, and what may still be opened
    directly (the shape of ``NotEligibleSerializer``)."""
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
    if decision.also_direct:
        detail += f" You can still open {list_text(decision.also_direct)} cases yourself."
    return {
        "detail": detail,
        "refer_to": (
            {"name": contact.name, "email": contact.email, "phone": contact.phone}
            if contact is not None
            else None
        ),
        "limited_to": list(decision.limited_to),
    }
