import zoneinfo
from functools import cache

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone


@cache  # listing the zones reads the time-zone database's folders: once per process
def time_zone_choices() -> tuple[tuple[str, str], ...]:
    return tuple((name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones()))


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, username: str):
        return self.get(email__iexact=username)

    def _create_user(self, email: str, password: str | None, **fields):
        if not email:
            raise ValueError("A user needs an e-mail address.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields):
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields):
        fields.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """Someone who logs in: a member of one organisation, or vendor staff with roles.

    Staff roles (agent, NOC engineer, billing, admin) are Django groups; see
    ``partners.roles``. A partner-side user never holds a staff role.
    """

    email = models.EmailField("e-mail address", unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    organisation = models.ForeignKey(
        "partners.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        help_text="Set for partner-side users; empty for vendor staff.",
    )
    time_zone = models.CharField(
        max_length=64,
        choices=time_zone_choices,
        blank=True,
        help_text="Times are shown in this zone. Empty: the organisation's country's zone.",
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        "admin site access", default=False, help_text="May log into the Django admin."
    )
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]
        constraints = [
            models.CheckConstraint(
                name="partner_users_have_no_admin_access",
                condition=Q(organisation__isnull=True) | Q(is_staff=False, is_superuser=False),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def save(self, *args, **kwargs) -> None:
        """A new password (``set_password``) or a deactivation ends every API token of the
        user. It is done here because every way of changing them ends here: the password
        change and reset pages, the admin, ``manage.py changepassword``."""
        password_changed = self._password is not None
        super().save(*args, **kwargs)
        if password_changed or not self.is_active:
            self.auth_token_set.all().delete()

    def clean(self) -> None:
        super().clean()
        self.email = self.email.strip().lower()
        if self.organisation_id and (self.is_staff or self.is_superuser):
            raise ValidationError(
                {"is_staff": "Members of an organisation cannot have admin site access."}
            )

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return (self.full_name.split() or [self.email])[0]

    @property
    def is_partner(self) -> bool:
        return self.organisation_id is not None

    @property
    def effective_time_zone(self) -> str:
        """Their own zone; else their organisation's country's; staff without an
        organisation: ``DEFAULT_USER_TIME_ZONE``."""
        if self.time_zone:
            return self.time_zone
        if self.organisation_id:
            return self.organisation.member_time_zone
        return settings.DEFAULT_USER_TIME_ZONE
