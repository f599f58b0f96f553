"""Cache invalidation only: a calendar or closed date edited in the admin drops the cached
copy of its calendar once the change is committed."""

from functools import partial

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from sla.calendars import calendars_forget
from sla.models import Calendar, ClosedDate


@receiver([post_save, post_delete], sender=Calendar)
def calendar_changed(sender, instance: Calendar, **kwargs) -> None:
    # A renamed code leaves its old key to expire; nothing reads it any more.
    transaction.on_commit(partial(calendars_forget, [instance.code]))


@receiver([post_save, post_delete], sender=ClosedDate)
def closed_date_changed(sender, instance: ClosedDate, **kwargs) -> None:
    transaction.on_commit(calendars_forget)
