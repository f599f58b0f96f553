"""Writes for cases: open, reply, change status, assign, class of service, feedback.

Every service owns its transaction, checks the rules, writes the timeline, and queues its
e-mail only once the transaction has committed.
"""

import uuid
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from entitlements import rules as entitlement_rules
from entitlements import selectors as entitlement_selectors
from partners import selectors as partner_selectors
from partners.models import CaseCategory, CaseReason, CaseType, Device, User
from partners.roles import Role, has_role, works_cases
from sla import services as sla
from sla.models import Clock
from tickets import attachments as attachment_rules
from tickets import events, mail, notifications, workflow
from tickets.errors import FeedbackNotAllowed, IllegalTransition, NotEligible, TicketClosed
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


def _resolve_taxonomy(
    *, policy, case_type: str, reason: str | None, category: str | None, subcategory: str | None
):
    """The rows of the version in force for these codes; field errors for codes it lacks."""
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
            return category_obj.reason.case_type, category_obj.reason, category_obj, None
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
    return type_obj, reason_obj, category_obj, subcategory_obj


def ticket_create(
    *,
    requester: User,
    case_type: str,
    subject: str,
    description: str,
    reason: str | None = None,
    category: str | None = None,
    subcategory: str | None = None,
    device: Device | None = None,
    wms_version: str = "",
    firmware_versions: str = "",
    critical_criterion: str = "",
    attachments: list[UploadedFile] = (),
    created_by: User | None = None,
    channel: str = Ticket.Channel.PORTAL,
    follow_up_of: Ticket | None = None,
    submission_key: uuid.UUID | None = None,
    now: datetime | None = None,
    proactive: bool = False,
) -> tuple[Ticket, bool]:
    """Open a case for ``requester``'s organisation. Returns the case and whether it is new:
    the same ``submission_key`` from the same person returns the case it already opened.
    A new case carries the SLA clocks it started as ``started_clocks``.

    ``proactive``: the vendor opens the case itself (a monitoring alert), so the terms'
    eligibility does not apply, and a NOC engineer or a monitoring integration may open it
    on the organisation's behalf without working cases.

    Raises ValidationError (field errors) or NotEligible, both before anything is written.
    """
    created_by = created_by or requester
    now = now or timezone.now()
    if submission_key:
        existing = Ticket.objects.filter(
            created_by=created_by, submission_key=submission_key
        ).first()
        if existing:
            return existing, False
    organisation = requester.organisation
    if organisation is None:
        raise ValidationError({"requester": "Cases are opened for a member of an organisation."})
    if proactive:
        if not has_role(created_by, Role.NOC, Role.INTEGRATION):
            raise PermissionDenied("Only the NOC and monitoring integrations open proactive cases.")
    elif created_by != requester and not works_cases(created_by):
        raise PermissionDenied("Only support staff open cases on someone else's behalf.")

    policy = partner_selectors.policy_in_force(now)
    type_obj, reason_obj, category_obj, subcategory_obj = _resolve_taxonomy(
        policy=policy,
        case_type=case_type,
        reason=reason,
        category=category,
        subcategory=subcategory,
    )
    if not proactive:
        # The tier's rule, or failing that an entitlement (purchase, hours, contract).
        decision = entitlement_selectors.access_for(
            organisation=organisation,
            case_type=case_type,
            reason=reason or None,
            category=category or None,
            device=device
            if device is not None and device.organisation_id == organisation.pk
            else None,
            channel=entitlement_selectors.CHANNEL_OF_CASE.get(
                channel, entitlement_rules.Channel.PORTAL
            ),
            at=now,
            policy=policy,
            case_type_obj=type_obj,
            reason_obj=reason_obj,
        )
        if not decision.allowed:
            raise NotEligible(decision)

    errors: dict[str, str] = {}
    subject, description = subject.strip(), description.strip()
    if not subject:
        errors["subject"] = "Give the case a short subject."
    elif len(subject) > 200:
        errors["subject"] = "Keep the subject under 200 characters."
    if not description:
        errors["description"] = "Describe the problem or request."
    elif len(description) > MAX_BODY:
        errors["description"] = f"Keep the description under {MAX_BODY:,} characters."
    if device is not None and device.organisation_id != organisation.pk:
        errors["device"] = "Choose one of your organisation's PBXs or devices."
    if type_obj.is_technical:
        if not wms_version.strip():
            errors["wms_version"] = "Give the WMS version of the PBX."
        if not firmware_versions.strip():
            errors["firmware_versions"] = "Give the firmware versions of the devices involved."
    if critical_criterion:
        if critical_criterion not in Ticket.CriticalCriterion.values:
            errors["critical_criterion"] = "Choose one of the listed reasons for Critical."
        elif not type_obj.is_technical:
            errors["critical_criterion"] = "Critical applies to technical cases only."
    if follow_up_of is not None and follow_up_of.organisation_id != organisation.pk:
        errors["follow_up_of"] = "A follow-up refers to one of your organisation's cases."
    if errors:
        raise ValidationError(errors)
    attachment_rules.validate_uploads(list(attachments))

    try:
        with transaction.atomic():
            ticket = Ticket(
                organisation=organisation,
                requester=requester,
                created_by=created_by,
                policy=policy,
                case_type=type_obj,
                reason=reason_obj,
                category=category_obj,
                subcategory=subcategory_obj,
                device=device,
                subject=subject,
                description=description,
                wms_version=wms_version.strip(),
                firmware_versions=firmware_versions.strip(),
                critical_criterion=critical_criterion,
                cos=(
                    Ticket.ClassOfService.CRITICAL
                    if critical_criterion
                    else Ticket.ClassOfService.STANDARD
                ),
                channel=channel,
                follow_up_of=follow_up_of,
                submission_key=submission_key,
                created_at=now,
            )
            # Planned first, so the case is written with its nearest breach in one go.
            clocks = sla.clocks_plan(ticket)
            ticket.next_breach_at = sla.nearest_breach(clocks)
            ticket.save(force_insert=True)
            _save_attachments(ticket, None, attachments, uploaded_by=created_by)
            events.created(ticket, actor=created_by)
            technician = entitlement_selectors.contract_technician(organisation, at=now)
            if technician is not None:
                # A maintenance contract's cases go straight to its technician.
                ticket.assignee = technician
                ticket.save(update_fields=["assignee"])
                events.assigned(
                    ticket,
                    actor=None,
                    old_id=None,
                    new_id=technician.pk,
                    new_name=technician.get_full_name(),
                )
            ticket.started_clocks = sla.clocks_start(ticket=ticket, planned=clocks)
            if follow_up_of is not None:
                events.follow_up_opened(
                    follow_up_of, actor=created_by, follow_up_number=ticket.number
                )
            notifications.case_opened(ticket)
    except IntegrityError:
        # The same submission raced in twice: the first one won.
        if submission_key:
            existing = Ticket.objects.filter(
                created_by=created_by, submission_key=submission_key
            ).first()
            if existing:
                return existing, False
        raise
    return ticket, True


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


def _lock(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


def message_post(
    *,
    ticket: Ticket,
    author: User,
    body: str,
    internal: bool = False,
    attachments: list[UploadedFile] = (),
    channel: str = Message.Channel.WEB,
    email_message_id: str | None = None,
) -> Message:
    """Add a reply (or, for staff, an internal note). Partner replies reopen a resolved or
    waiting case; the first public staff reply takes a new case into work.

    Raises TicketClosed for a closed case, ValidationError for empty or oversized text or
    unacceptable files, PermissionDenied for someone outside the case's organisation.
    """
    if email_message_id:
        existing = Message.objects.filter(email_message_id=email_message_id).first()
        if existing:
            return existing
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
            sla.clock_stop(
                ticket=locked,
                metric=Clock.Metric.FIRST_RESPONSE,
                at=message.created_at,
                actor=author,
            )
        if new_status != old_status:
            locked.status = new_status
            fields.append("status")
            events.status_changed(locked, actor=author, old=old_status, new=new_status)
            sla.clocks_after_status_change(
                ticket=locked, old=old_status, new=new_status, at=message.created_at, actor=author
            )
        if fields:
            locked.save(update_fields=[*fields, "updated_at"])
        else:
            locked.save(update_fields=["updated_at"])
        if not internal:
            if partner_side:
                notifications.partner_replied(locked, message)
            else:
                notifications.staff_replied(locked, message)
    ticket.refresh_from_db()
    return message


# --- Staff actions -----------------------------------------------------------------------


def ticket_set_status(*, ticket: Ticket, actor: User, status: str, note: str = "") -> Ticket:
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
        if not workflow.can_move(old, status):
            raise IllegalTransition(old, status)
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
        sla.clocks_after_status_change(ticket=locked, old=old, new=status, at=now, actor=actor)
        notifications.status_changed(locked, old=old)
    ticket.refresh_from_db()
    return ticket


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


def ticket_change_cos(*, ticket: Ticket, actor: User, cos: str, reason: str) -> Ticket:
    """Set, confirm or downgrade the class of service; staff always say why."""
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
        sla.clocks_after_cos_change(ticket=locked, old=old, actor=actor, at=timezone.now())
    ticket.refresh_from_db()
    return ticket


def tickets_bulk_assign(*, actor: User, tickets, assignee: User | None) -> int:
    count = 0
    for ticket in tickets:
        ticket_assign(ticket=ticket, actor=actor, assignee=assignee)
        count += 1
    return count


def tickets_bulk_set_status(*, actor: User, tickets, status: str) -> tuple[int, list[str]]:
    """Move every case that may move; returns how many moved and the numbers skipped."""
    moved, skipped = 0, []
    for ticket in tickets:
        try:
            ticket_set_status(ticket=ticket, actor=actor, status=status)
            moved += 1
        except IllegalTransition:
            skipped.append(ticket.number)
    return moved, skipped


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
