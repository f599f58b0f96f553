"""Cache invalidation only: a change to the support policy's rows, through the admin,
``load_policy`` or a migration, drops the shared copy of them (``partners.policy_cache``);
and a request keeps to the copy it first read."""

from django.core.signals import request_finished, request_started
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from partners import policy_cache
from partners.models import EligibilityRule
from partners.policy_cache import POLICY_MODELS, policy_reference_forget


def policy_row_changed(sender, **kwargs) -> None:
    policy_reference_forget()


# Connected model by model: a receiver for every sender would keep Django from deleting
# any other model's rows in bulk.
for model in POLICY_MODELS:
    post_save.connect(policy_row_changed, sender=model)
    post_delete.connect(policy_row_changed, sender=model)


@receiver(m2m_changed, sender=EligibilityRule.allowed_reasons.through)
@receiver(m2m_changed, sender=EligibilityRule.direct_case_types.through)
def eligibility_lists_changed(sender, action: str, **kwargs) -> None:
    if action in {"post_add", "post_remove", "post_clear"}:
        policy_reference_forget()


def policy_forget_after_migrate(sender, **kwargs) -> None:
    """A migration (or ``flush``) may have written or emptied the policy tables."""
    policy_reference_forget()


@receiver(request_started)
def policy_request_started(sender, **kwargs) -> None:
    policy_cache.request_started()


@receiver(request_finished)
def policy_request_finished(sender, **kwargs) -> None:
    policy_cache.request_finished()
