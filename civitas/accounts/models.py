"""Staff users (login by email), departments, teams and role memberships."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from civitas.accounts.roles import Role
from civitas.core.models import TimeStampedModel


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("A staff user needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username or "")


class User(AbstractUser):
    """A member of staff. Residents are `people.Person`, not users."""

    username = None  # type: ignore[assignment,misc]
    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=150, blank=True)
    # Sign-in security: bumping the epoch ends every session of the user ("sign out everywhere").
    session_epoch = models.PositiveIntegerField(_("session epoch"), default=0, editable=False)
    mfa_prompt_dismissed = models.BooleanField(
        _("MFA prompt dismissed"), default=False, help_text=_("Chose 'not now' when offered MFA enrolment.")
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []  # type: ignore[misc]

    objects = UserManager()  # type: ignore[misc,assignment]

    class Meta:
        ordering = ["email"]
        constraints = [models.UniqueConstraint(Lower("email"), name="uniq_user_email_ci")]

    def __str__(self) -> str:
        return self.display_name or self.email

    def get_full_name(self) -> str:
        return self.display_name or super().get_full_name() or self.email

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        """Django's session hash, with the session epoch mixed in: a new epoch ends all sessions."""
        key_salt = "civitas.accounts.User.get_session_auth_hash"
        value = f"{self.password}:{self.session_epoch}"
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()


class Department(TimeStampedModel):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True, help_text="Shared mailbox, shown to staff only.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Team(TimeStampedModel):
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="teams")
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["department__name", "name"]
        constraints = [models.UniqueConstraint(fields=["department", "code"], name="uniq_team_code")]

    def __str__(self) -> str:
        return f"{self.department.name} / {self.name}"


class Membership(TimeStampedModel):
    """A role held by a user, in one department (and optionally one team), or everywhere.

    `department` empty means the role applies across the whole organisation (call-centre
    agents, auditors, privacy officers, system administrators).
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=32, choices=Role.choices)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.CASCADE, related_name="memberships")

    class Meta:
        ordering = ["user__email", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "department", "team"],
                name="uniq_membership",
            ),
        ]
        indexes = [models.Index(fields=["department", "role"], name="membership_dept_role_idx")]

    def __str__(self) -> str:
        where = self.team or self.department or "all departments"
        return f"{self.user} — {self.get_role_display()} ({where})"
