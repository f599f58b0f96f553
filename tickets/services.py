"""Writes for cases: the parts of opening one that concern the case alone, replies, status,
assignment, class of service, feedback, and the staff notices' delivery.

Every service owns its transaction (or joins the caller's where it says so), checks the
rules, writes the timeline, and queues its e-mail only once the transaction has committed.
Flows that also move SLA clocks or consult entitlements are composed above this app, in
``desk.actions``, from the writes here.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from partners.models import CaseCategory, CaseReason, CaseType, Device, User
from partners.roles import Role, has_role, works_cases
from tickets import attachments as attachment_rules
from tickets import events, mail, notifications, workflow
from tickets.errors import FeedbackNotAllowed, TicketClosed
from tickets.models import (
    Article,
    Attachment,
    Deflection,
    Feedback,
    Message,
    Notification,
    Ticket,
)

MAX_BODY = 50_000


# --- Opening a case ----------------------------------------------------------------------
# The steps are composed, with eligibility, entitlements and clocks, by
# ``desk.actions.open_case``; what is here concerns the case alone.


@dataclass(frozen=True, kw_only=True)
class CaseRequest:
    """Everything a case is opened with, as the partner (or staff on its behalf, or the
    vendor's monitoring) gives it. Codes are those of the policy version in force."""

    requester: User
    case_type: str
    subject: str
    description: str
    reason: str | None = None
    category: str | None = None
    subcategory: str | None = None
    device: Device | None = None
    wms_version: str = ""
    firmware_versions: str = ""
    critical_criterion: str = ""
    attachments: Sequence[UploadedFile] = ()
    created_by: User | None = None
    channel: str = Ticket.Channel.PORTAL
    follow_up_of: Ticket | None = None
    submission_key: uuid.UUID | None = None
    # The vendor opens the case itself (a monitoring alert): the terms' eligibility does not
    # apply, and a NOC engineer or a monitoring integration may open it for the organisation.
    proactive: bool = False

    @property
    def opener(self) -> User:
        return self.created_by or self.requester

    def own_device(self) -> Device | None:
        """The chosen device when it is the organisation's own, else None."""
        device, organisation = self.device, self.requester.organisation
        if device is None or organisation is None or device.organisation_id != organisation.pk:
            return None
        return device


@dataclass(frozen=True)
class Taxonomy:
    """The rows of the version in force that a case is filed under."""

    case_type: CaseType
    reason: CaseReason | None = None
    category: CaseCategory | None = None
    subcategory: CaseCategory | None = None


def ticket_already_opened(request: CaseRequest) -> Ticket | None:
    """The case this very submission opened before (a double click, a retried request)."""
    if not request.submission_key:
        return None
    return Ticket.objects.filter(
        created_by=request.opener, submission_key=request.submission_key
    ).first()


def opener_check(request: CaseRequest) -> None:
    """Raise ValidationError or PermissionDenied when this person may not open this case."""
    if request.requester.organisation is None:
        raise ValidationError({"requester": "Cases are opened for a member of an organisation."})
    opener = request.opener
    if request.proactive:
        if not has_role(opener, Role.NOC, Role.INTEGRATION):
            raise PermissionDenied("Only the NOC and monitoring integrations open proactive cases.")
    elif opener != request.requester and not works_cases(opener):
        raise PermissionDenied("Only support staff open cases on someone else's behalf.")


def taxonomy_resolve(*, policy, request: CaseRequest) -> Taxonomy:
    """The rows of the version in force for the request's codes; field errors for codes it
    lacks."""
    case_type, reason = request.case_type, request.reason
    category, subcategory = request.category, request.subcategory
    if reason and category and not subcategory:
        # The usual case, every code known: one query. Anything unknown, or a sub-category,
        # is looked up step by step below (and an unknown code named).
        lookup = {
            "reason__case_type__policy": policy,
            "reason__case_type__code": case_type,
            "reason__code": reason,
            "parent": None,
            "code": category,
        }
        category_obj = (
            CaseCategory.objects.select_related("reason__case_type").filter(**lookup).first()
        )
        if category_obj is not None:
            return Taxonomy(category_obj.reason.case_type, category_obj.reason, category_obj)
    errors: dict[str, str] = {}
    type_obj = CaseType.objects.filter(policy=policy, code=case_type).first()
    if type_obj is None:
        raise ValidationError({"case_type": "Choose one of the case types offered."})
    reason_obj = category_obj = subcategory_obj = None
    if reason:
        reason_obj = CaseReason.objects.filter(case_type=type_obj, code=reason).first()
        if reason_obj is None:
            errors["reason"] = f"Choose a reason listed for {type_obj.name}."
    elif CaseReason.objects.filter(case_type=type_obj).exists():
        errors["reason"] = "Choose a reason."
    if category and reason_obj:
        category_obj = CaseCategory.objects.filter(
            reason=reason_obj, parent=None, code=category
        ).first()
        if category_obj is None:
            errors["category"] = f"Choose a category listed for {reason_obj.name}."
    if subcategory and category_obj:
        subcategory_obj = CaseCategory.objects.filter(parent=category_obj, code=subcategory).first()
        if subcategory_obj is None:
            errors["subcategory"] = f"Choose a sub-category listed for {category_obj.name}."
    if errors:
        raise ValidationError(errors)
    return Taxonomy(type_obj, reason_obj, category_obj, subcategory_obj)


def _request_errors(request: CaseRequest, taxonomy: Taxonomy) -> dict[str, str]:
    errors: dict[str, str] = {}
    organisation = request.requester.organisation
    subject, description = request.subject.strip(), request.description.strip()
    if not subject:
        errors["subject"] = "Give the case a short subject."
    elif len(subject) > 200:
        errors["subject"] = "Keep the subject under 200 characters."
    if not description:
        errors["description"] = "Describe the problem or request."
    elif len(description) > MAX_BODY:
        errors["description"] = f"Keep the description under {MAX_BODY:,} characters."
    if request.device is not None and request.device.organisation_id != organisation.pk:
        errors["device"] = "Choose one of your organisation's PBXs or devices."
    if taxonomy.case_type.is_technical:
        if not request.wms_version.strip():
            errors["wms_version"] = "Give the WMS version of the PBX."
        if not request.firmware_versions.strip():
            errors["firmware_versions"] = "Give the firmware versions of the devices involved."
    criterion = request.critical_criterion
    if criterion:
        if criterion not in Ticket.CriticalCriterion.values:
            errors["critical_criterion"] = "Choose one of the listed reasons for Critical."
        elif not taxonomy.case_type.is_technical:
            errors["critical_criterion"] = "Critical applies to technical cases only."
    follow_up_of = request.follow_up_of
    if follow_up_of is not None and follow_up_of.organisation_id != organisation.pk:
        errors["follow_up_of"] = "A follow-up refers to one of your organisation's cases."
    return errors


def ticket_draft(*, request: CaseRequest, policy, taxonomy: Taxonomy, now: datetime) -> Ticket:
    """The case as it will be written, not yet saved; ValidationError (field errors) for
    anything the partner must correct, files included."""
    errors = _request_errors(request, taxonomy)
    if errors:
        raise ValidationError(errors)
    attachment_rules.validate_uploads(list(request.attachments))
    return Ticket(
        organisation=request.requester.organisation,
        requester=request.requester,
        created_by=request.opener,
        policy=policy,
        case_type=taxonomy.case_type,
        reason=taxonomy.reason,
        category=taxonomy.category,
        subcategory=taxonomy.subcategory,
        device=request.device,
        subject=request.subject.strip(),
        description=request.description.strip(),
        wms_version=request.wms_version.strip(),
        firmware_versions=request.firmware_versions.strip(),
        critical_criterion=request.critical_criterion,
        cos=(
            Ticket.ClassOfService.CRITICAL
            if request.critical_criterion
            else Ticket.ClassOfService.STANDARD
        ),
        channel=request.channel,
        follow_up_of=request.follow_up_of,
        submission_key=request.submission_key,
        created_at=now,
    )


def ticket_insert(*, draft: Ticket, request: CaseRequest) -> Ticket:
    """Write the drafted case with its files and its first timeline line. Runs inside the
    caller's transaction."""
    draft.save(force_insert=True)
    _save_attachments(draft, None, request.attachments, uploaded_by=request.opener)
    events.created(draft, actor=request.opener)
    return draft


def ticket_assign_on_opening(*, ticket: Ticket, assignee: User) -> None:
    """Give a case that has just been written to ``assignee``, with no one acting (the
    rules, not a person, chose them). Runs inside the caller's transaction."""
    ticket.assignee = assignee
    ticket.save(update_fields=["assignee"])
    events.assigned(
        ticket, actor=None, old_id=None, new_id=assignee.pk, new_name=assignee.get_full_name()
    )


def ticket_announce(*, ticket: Ticket, request: CaseRequest) -> None:
    """Tell the case it follows up on, and the people who hear of new cases."""
    if request.follow_up_of is not None:
        events.follow_up_opened(
            request.follow_up_of, actor=request.opener, follow_up_number=ticket.number
        )
    notifications.case_opened(ticket)


def _save_attachments(ticket, message, files, *, uploaded_by) -> list[Attachment]:
    saved = []
    for upload in files:
        name = attachment_rules.clean_name(upload.name or "")
        attachment = Attachment(
            ticket=ticket,
            message=message,
            original_name=name,
            content_type=attachment_rules.content_type_for(name),
            size=upload.size,
            uploaded_by=uploaded_by,
        )
        attachment.file.save(name, upload, save=False)
        attachment.save()
        saved.append(attachment)
    return saved


def attachments_validate(files: list[UploadedFile]) -> None:
    """Raise ValidationError (field ``attachments``) for files a case may not hold."""
    attachment_rules.validate_uploads(list(files))


def attachments_add(*, ticket: Ticket, files: list[UploadedFile], uploaded_by: User):
    """Attach ``files`` to the case itself (not to a message), checked first."""
    attachments_validate(files)
    return _save_attachments(ticket, None, files, uploaded_by=uploaded_by)


# --- The conversation --------------------------------------------------------------------
# Each write below returns what changed, so that ``desk.actions`` can move the SLA clocks
# in the same transaction.


def _lock(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


@dataclass(frozen=True)
class Posted:
    """A message as written, and what it did to its case (``ticket`` is the locked row)."""

    message: Message
    ticket: Ticket
    old_status: str
    new_status: str
    # A public answer from staff: the answer the first-response clock waits for.
    staff_answer: bool = False
    # False when the same e-mail had been added before: nothing was written this time.
    written: bool = True


def message_write(
    *,
    ticket: Ticket,
    author: User,
    body: str,
    internal: bool = False,
    attachments: Sequence[UploadedFile] = (),
    channel: str = Message.Channel.WEB,
    email_message_id: str | None = None,
) -> Posted:
    """Add a reply (or, for staff, an internal note). Partner replies reopen a resolved or
    waiting case; the first public staff reply takes a new case into work.

    Raises TicketClosed for a closed case, ValidationError for empty or oversized text or
    unacceptable files, PermissionDenied for someone outside the case's organisation.
    """
    if email_message_id:
        existing = Message.objects.filter(email_message_id=email_message_id).first()
        if existing:
            status = ticket.status
            return Posted(existing, ticket, status, status, written=False)
    partner_side = author.is_partner
    if partner_side and author.organisation_id != ticket.organisation_id:
        raise PermissionDenied("Only members of the case's organisation can reply.")
    # Monitoring integrations add their alerts to a case, as internal notes only.
    integration_note = internal and has_role(author, Role.INTEGRATION)
    if not partner_side and not works_cases(author) and not integration_note:
        raise PermissionDenied("Only support staff can answer cases.")
    if partner_side and internal:
        raise ValidationError({"internal": "Internal notes are for support staff."})
    body = body.strip()
    if not body:
        raise ValidationError({"body": "Write a message."})
    if len(body) > MAX_BODY:
        raise ValidationError({"body": f"Keep messages under {MAX_BODY:,} characters."})
    attachment_rules.validate_uploads(list(attachments))

    with transaction.atomic():
        locked = _lock(ticket)
        if locked.is_closed:
            raise TicketClosed(locked.number)
        message = Message.objects.create(
            ticket=locked,
            author=author,
            visibility=Message.Visibility.INTERNAL if internal else Message.Visibility.PUBLIC,
            body=body,
            channel=channel,
            email_message_id=email_message_id,
        )
        _save_attachments(locked, message, attachments, uploaded_by=author)
        events.message_added(
            locked,
            actor=author,
            message_id=message.pk,
            internal=internal,
            channel=channel,
            at=message.created_at,
        )
        old_status = locked.status
        fields = []
        staff_answer = not partner_side and not internal
        if partner_side:
            new_status = workflow.status_after_partner_reply(old_status)
            if new_status == workflow.Status.OPEN and old_status == workflow.Status.RESOLVED:
                locked.resolved_at = None
                fields.append("resolved_at")
        elif internal:
            new_status = workflow.Status(old_status)
        else:
            new_status = workflow.status_after_staff_public_reply(old_status)
            if locked.first_response_at is None:
                locked.first_response_at = message.created_at
                fields.append("first_response_at")
        if new_status != old_status:
            locked.status = new_status
            fields.append("status")
            events.status_changed(locked, actor=author, old=old_status, new=new_status)
        locked.save(update_fields=[*fields, "updated_at"])
        if not internal:
            if partner_side:
                notifications.partner_replied(locked, message)
            else:
                notifications.staff_replied(locked, message)
    return Posted(message, locked, old_status, new_status, staff_answer=staff_answer)


# --- Staff actions -----------------------------------------------------------------------


@dataclass(frozen=True)
class StatusChange:
    """A status move as written (``ticket`` is the locked row) and when it happened."""

    ticket: Ticket
    old: str
    new: str
    at: datetime


def ticket_status_write(
    *, ticket: Ticket, actor: User, status: str, note: str = ""
) -> StatusChange:
    """Move a case along the transition table. Partners may only close a resolved case."""
    if actor.is_partner:
        if actor.organisation_id != ticket.organisation_id:
            raise PermissionDenied
        if status != workflow.Status.CLOSED:
            raise PermissionDenied("Partners can only close a resolved case.")
    elif not works_cases(actor):
        raise PermissionDenied
    with transaction.atomic():
        locked = _lock(ticket)
        old = locked.status
        workflow.check_move(old, status)
        locked.status = status
        fields = ["status", "updated_at"]
        now = timezone.now()
        if status == workflow.Status.RESOLVED:
            locked.resolved_at = now
            fields.append("resolved_at")
        elif status == workflow.Status.CLOSED:
            locked.closed_at = now
            fields.append("closed_at")
        elif old == workflow.Status.RESOLVED:
            locked.resolved_at = None
            fields.append("resolved_at")
        locked.save(update_fields=fields)
        events.status_changed(locked, actor=actor, old=old, new=status, note=note.strip())
        notifications.status_changed(locked, old=old)
    return StatusChange(locked, old, status, now)


def ticket_assign(*, ticket: Ticket, actor: User, assignee: User | None) -> Ticket:
    if not works_cases(actor):
        raise PermissionDenied
    if assignee is not None and not works_cases(assignee):
        raise ValidationError({"assignee": "Cases are assigned to support staff."})
    with transaction.atomic():
        locked = _lock(ticket)
        if locked.assignee_id == (assignee.pk if assignee else None):
            return locked
        old_id = locked.assignee_id
        locked.assignee = assignee
        locked.save(update_fields=["assignee", "updated_at"])
        events.assigned(
            locked,
            actor=actor,
            old_id=old_id,
            new_id=assignee.pk if assignee else None,
            new_name=assignee.get_full_name() if assignee else "",
        )
    ticket.refresh_from_db()
    return ticket


def ticket_cos_write(*, ticket: Ticket, actor: User, cos: str, reason: str) -> tuple[Ticket, str]:
    """Set, confirm or downgrade the class of service; staff always say why. Returns the
    locked case and the class it had."""
    if not works_cases(actor):
        raise PermissionDenied
    if cos not in Ticket.ClassOfService.values:
        raise ValidationError({"cos": "Choose Critical or Standard."})
    if not reason.strip():
        raise ValidationError({"reason": "Say why the class of service is set this way."})
    with transaction.atomic():
        locked = _lock(ticket)
        old = locked.cos
        locked.cos = cos
        locked.cos_confirmed = True
        locked.save(update_fields=["cos", "cos_confirmed", "updated_at"])
        events.cos_changed(locked, actor=actor, old=old, new=cos, reason=reason.strip())
    return locked, old


def tickets_bulk_assign(*, actor: User, tickets, assignee: User | None) -> int:
    count = 0
    for ticket in tickets:
        ticket_assign(ticket=ticket, actor=actor, assignee=assignee)
        count += 1
    return count


# --- Feedback and knowledge base ---------------------------------------------------------


def feedback_give(*, ticket: Ticket, author: User, rating: int, comment: str = "") -> Feedback:
    if not author.is_partner or author.organisation_id != ticket.organisation_id:
        raise PermissionDenied("Feedback comes from the case's organisation.")
    if ticket.status not in (workflow.Status.RESOLVED, workflow.Status.CLOSED):
        raise FeedbackNotAllowed("Feedback opens once the case is resolved.")
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValidationError({"rating": "Rate from 1 to 5."})
    with transaction.atomic():
        if Feedback.objects.filter(ticket=ticket).exists():
            raise FeedbackNotAllowed("Feedback on this case has already been given.")
        feedback = Feedback.objects.create(
            ticket=ticket, author=author, rating=rating, comment=comment.strip()[:5000]
        )
        events.feedback_given(ticket, actor=author, rating=rating)
    return feedback


def article_mark_solved(*, article: Article, user: User, query: str = "") -> Deflection:
    return Deflection.objects.create(
        article=article, user=user, organisation=user.organisation, query=query.strip()[:300]
    )


# --- Notices to staff --------------------------------------------------------------------

# How long one delivery may hold a notice before another worker may try it.
EMAIL_CLAIM = timedelta(minutes=5)
# Deliveries the pending sweep starts before it gives a notice up.
MAX_EMAIL_ATTEMPTS = 8


def notification_email(*, notification_id: int, now: datetime) -> bool:
    """E-mail one notice unless it was sent already or another worker is sending it.

    Raises what the mail server raised (the task retries); the claim is released first so
    the retry may take it again.
    """
    claimed = (
        Notification.objects.filter(pk=notification_id, emailed_at=None)
        .filter(Q(email_claimed_until=None) | Q(email_claimed_until__lt=now))
        .update(email_claimed_until=now + EMAIL_CLAIM, email_attempts=F("email_attempts") + 1)
    )
    if not claimed:
        return False
    notification = Notification.objects.select_related(
        "recipient", "ticket", "ticket__organisation"
    ).get(pk=notification_id)
    try:
        mail.build_notification(notification).send()
    except Exception as error:
        Notification.objects.filter(pk=notification_id).update(
            email_claimed_until=None, email_error=str(error)[:300]
        )
        raise
    Notification.objects.filter(pk=notification_id).update(
        emailed_at=timezone.now(), email_claimed_until=None, email_error=""
    )
    return True


def notifications_undelivered(*, now: datetime, older_than=timedelta(minutes=2)) -> list[int]:
    """Notices whose e-mail has not gone out a while after they were written."""
    return list(
        Notification.objects.filter(
            emailed_at=None,
            created_at__lt=now - older_than,
            email_attempts__lt=MAX_EMAIL_ATTEMPTS,
        )
        .filter(Q(email_claimed_until=None) | Q(email_claimed_until__lt=now))
        .order_by("created_at")
        .values_list("pk", flat=True)[:500]
    )


def notifications_mark_read(*, user: User, ids: list[int] | None = None) -> int:
    """Mark the user's notices read: the listed ones, or all of them."""
    unread = Notification.objects.filter(recipient=user, read_at=None)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())
