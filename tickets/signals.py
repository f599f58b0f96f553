"""Cache invalidation only: a change to who works cases drops the shared copy of the staff
list cases are assigned from (``tickets.filters.staff_choices``), at once and again once the
change is committed (a page read in between may have kept the list as it was)."""

from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from partners.models import User
from tickets.filters import staff_choices_forget


def _staff_changed() -> None:
    staff_choices_forget()
    transaction.on_commit(staff_choices_forget)


@receiver([post_save, post_delete], sender=User)
def user_changed(sender, update_fields=None, **kwargs) -> None:
    # Signing in records the time and nothing the list shows.
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    _staff_changed()


@receiver(m2m_changed, sender=User.groups.through)
def user_groups_changed(sender, action: str, **kwargs) -> None:
    if action in {"post_add", "post_remove", "post_clear"}:
        _staff_changed()


@receiver([post_save, post_delete], sender=Group)
def group_changed(sender, **kwargs) -> None:
    _staff_changed()
