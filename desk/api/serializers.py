"""Shapes of the API's answers for cases with their SLA clocks, and of a new case.

Reading serializers only present what a selector already decided the user may see; the
writing one checks the shape of the input and leaves the rules to ``desk.actions``.
"""

import threading
from datetime import datetime
from functools import cached_property

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.converters import MAX_ID
from partners.roles import works_cases
from sla import display as sla_display
from sla.models import Clock
from tickets.models import Ticket
from tickets.serializers import OrganisationRefSerializer, instant


class ClockSerializer(serializers.ModelSerializer):
    """One SLA metric of a case. Partners see the first-response and restoration clocks;
    support staff also see the internal out-of-hours triage clock and when warnings went
    out."""

    metric = serializers.ChoiceField(choices=Clock.Metric.choices, read_only=True)
    state = serializers.ChoiceField(
        choices=Clock.State.choices,
        read_only=True,
        help_text="running, paused, met or breached. A breached clock with no stopped_at is "
        "still waiting for what stops it.",
    )
    due_at = serializers.DateTimeField(
        read_only=True, help_text="The end of the time allowed: what the case is due by."
    )
    breach_at = serializers.DateTimeField(
        read_only=True,
        help_text="When it counts as breached: due_at, or the next opening of support hours "
        "after it (met or breached is decided on business time).",
    )
    warned_at = serializers.SerializerMethodField(
        help_text="When support was warned that the clock is running out (staff only; "
        "always null for partners)."
    )
    breached_at = serializers.DateTimeField(read_only=True, allow_null=True)
    stopped_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="When it stopped counting (the reply, the restoration, the resolution); "
        "null while still waiting.",
    )
    paused = serializers.SerializerMethodField(
        help_text="Paused while the case waits on the partner (restoration only)."
    )

    class Meta:
        model = Clock
        fields = [
            "metric",
            "state",
            "due_at",
            "breach_at",
            "warned_at",
            "breached_at",
            "stopped_at",
            "paused",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_warned_at(self, clock: Clock) -> str | None:
        return instant(clock.warned_at) if self.context.get("internal") else None

    def get_paused(self, clock: Clock) -> bool:
        return clock.state == Clock.State.PAUSED


def is_internal(context: dict) -> bool:
    """Whether the request behind a serializer comes from support staff. Without a request
    the answer is the partner's view, the narrower one."""
    request = context.get("request")
    return bool(request is not None and works_cases(request.user))


def partner_next_breach(clocks: list[Clock]) -> datetime | None:
    """The nearest breach among the clocks a partner sees that still count, so an internal
    triage deadline never shows through."""
    breaches = [
        clock.breach_at
        for clock in clocks
        if clock.stopped_at is None and clock.state != Clock.State.PAUSED
    ]
    return min(breaches, default=None)


class TicketSerializer(serializers.ModelSerializer):
    """One case as it appears in lists."""

    number = serializers.CharField(read_only=True, help_text='For example "SD-000123".')
    case_type = serializers.SlugRelatedField(read_only=True, slug_field="code")
    reason = serializers.SlugRelatedField(read_only=True, slug_field="code", allow_null=True)
    category = serializers.SlugRelatedField(read_only=True, slug_field="code", allow_null=True)
    subcategory = serializers.SlugRelatedField(read_only=True, slug_field="code", allow_null=True)
    device = serializers.CharField(
        source="device.serial_number",
        read_only=True,
        allow_null=True,
        help_text="Serial number of the PBX or device, if one was named.",
    )
    organisation = OrganisationRefSerializer(read_only=True)
    # Read-only model fields lose allow_blank: say so, or the schema's enum leaves out "".
    critical_criterion = serializers.ChoiceField(
        choices=Ticket.CriticalCriterion.choices, allow_blank=True, read_only=True
    )
    assignee = serializers.SerializerMethodField(
        help_text="Id of the support staff member working the case, null when nobody is "
        "(staff only; always null for partners)."
    )
    next_breach_at = serializers.SerializerMethodField(
        help_text="The nearest instant at which one of its SLA clocks still waiting breaches "
        "(or breached); null when none is waiting. Partners get it from the clocks they see."
    )
    clocks = serializers.SerializerMethodField(
        help_text="Its SLA clocks, earliest due first. Partners see first_response and "
        "restoration; support staff see every clock."
    )

    class Meta:
        model = Ticket
        fields = [
            "id",
            "number",
            "status",
            "cos",
            "case_type",
            "reason",
            "category",
            "subcategory",
            "subject",
            "device",
            "organisation",
            "critical_criterion",
            "assignee",
            "channel",
            "created_at",
            "updated_at",
            "first_response_at",
            "resolved_at",
            "closed_at",
            "next_breach_at",
            "clocks",
        ]
        read_only_fields = fields

    def _clocks(self, ticket: Ticket) -> list[Clock]:
        # Lists and the detail view attach them in one query (``visible_clocks``); anything
        # else falls back to reading this case's clocks.
        clocks = getattr(ticket, "visible_clocks", None)
        if clocks is None:
            clocks = list(ticket.clocks.all())
        return sla_display.clocks_for_viewer(clocks, internal=is_internal(self.context))

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_assignee(self, ticket: Ticket) -> int | None:
        return ticket.assignee_id if is_internal(self.context) else None

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_next_breach_at(self, ticket: Ticket) -> str | None:
        if is_internal(self.context):
            return instant(ticket.next_breach_at)
        return instant(partner_next_breach(self._clocks(ticket)))

    @cached_property
    def _clock_serializer(self) -> ClockSerializer:
        # One for the whole page, not one per case: building a serializer's fields costs
        # more than writing a case's clocks with them.
        return ClockSerializer(context={"internal": is_internal(self.context)})

    @extend_schema_field(ClockSerializer(many=True))
    def get_clocks(self, ticket: Ticket) -> list[dict]:
        serializer = self._clock_serializer
        return [serializer.to_representation(clock) for clock in self._clocks(ticket)]


class TicketDetailSerializer(TicketSerializer):
    """One case with its description and versions, as on the case page."""

    follow_up_of = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta(TicketSerializer.Meta):
        fields = [
            *TicketSerializer.Meta.fields,
            "description",
            "wms_version",
            "firmware_versions",
            "follow_up_of",
        ]
        read_only_fields = fields


# A serializer's fields are built for each instance, which costs more than writing one case
# with them: for JSON answers one serializer per thread (and kind of reader) is kept. The
# browsable API's pages still get one built for the request: they show its form.
_detail_serializers = threading.local()


def _answers_in_json(request) -> bool:
    renderer = getattr(request, "accepted_renderer", None)
    return renderer is not None and renderer.format == "json"


def ticket_detail_data(ticket: Ticket, request) -> dict:
    """``TicketDetailSerializer(ticket, context={"request": request}).data``, from a
    serializer whose fields were built once (per thread, for staff and for partners)."""
    if not _answers_in_json(request):
        return TicketDetailSerializer(ticket, context={"request": request}).data
    internal = is_internal({"request": request})
    kept = _detail_serializers.__dict__.setdefault("by_reader", {})
    serializer = kept.get(internal)
    if serializer is None:
        serializer = kept[internal] = TicketDetailSerializer(context={"request": request})
    serializer._context = {"request": request}
    try:
        return serializer.to_representation(ticket)
    finally:
        serializer._context = {}


class TicketCreateSerializer(serializers.Serializer):
    """What a partner sends to open a case. Taxonomy values are the codes (slugs) of the
    support policy in force; the device is named by its serial number."""

    case_type = serializers.SlugField(
        help_text="tech_support, customer_care, customer_success, feature_request or "
        "hwaas_management."
    )
    reason = serializers.SlugField(
        required=False, allow_blank=True, allow_null=True, help_text="Code of the case reason."
    )
    category = serializers.SlugField(required=False, allow_blank=True, allow_null=True)
    subcategory = serializers.SlugField(required=False, allow_blank=True, allow_null=True)
    subject = serializers.CharField(max_length=200)
    description = serializers.CharField()
    device = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        max_length=64,
        help_text="Serial number of one of your organisation's PBXs or devices.",
    )
    wms_version = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        max_length=40,
        help_text="Required for Tech Support.",
    )
    firmware_versions = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        max_length=200,
        help_text="Required for Tech Support.",
    )
    critical_criterion = serializers.ChoiceField(
        choices=Ticket.CriticalCriterion.choices,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="Ask for Critical by naming the criterion that applies (technical cases).",
    )
    reproduced_with_other_operator = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Required with critical_criterion call_drops: true when the calls also drop "
        "with another operator. false refuses the Critical claim.",
    )
    follow_up_of = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_ID,
        help_text="Id of an earlier case this one follows up.",
    )
    submission_key = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text="Any UUID chosen by the client; sending the same one again returns the case "
        "it already opened instead of opening another. The Idempotency-Key header works too.",
    )


_create_serializers = threading.local()


def case_request_validated(request) -> dict:
    """What ``TicketCreateSerializer(data=request.data)`` validates to, or its
    ValidationError with the same field errors; for JSON answers, from a serializer whose
    fields were built once per thread."""
    if not _answers_in_json(request):
        serializer = TicketCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data
    serializer = getattr(_create_serializers, "serializer", None)
    if serializer is None:
        serializer = _create_serializers.serializer = TicketCreateSerializer()
    try:
        return serializer.run_validation(request.data)
    except serializers.ValidationError as exc:
        raise serializers.ValidationError(exc.detail) from None
