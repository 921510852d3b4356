"""People ("tell us once"): one record per person across departments and channels.

A `Person` holds names and preferences; `ContactPoint` rows hold the identities (emails,
phones) that intake channels match on, normalised so that one address or number belongs to
exactly one person; `Consent` is an append-only history per purpose (the latest row wins).

Writes go through `civitas.people.services`, reads through `civitas.people.selectors`.
Nothing here carries business logic beyond small read helpers.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civitas.core.choices import Language
from civitas.core.models import TimeStampedModel

NAME_MAX_LENGTH = 150
CONTACT_VALUE_MAX_LENGTH = 254  # RFC 5321 path limit; E.164 numbers are at most 16 characters
CONSENT_NOTE_MAX_LENGTH = 500
MERGE_CHAIN_LIMIT = 50  # a merged_into chain longer than this means corrupt data


class PreferredChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("Text message")
    PHONE = "phone", _("Phone call")
    POST = "post", _("Post")
    NONE = "none", _("Do not contact")


class ContactKind(models.TextChoices):
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")


class ConsentPurpose(models.TextChoices):
    CONTACT_ABOUT_CASE = "contact_about_case", _("Contact me about my requests")
    STORE_DETAILS = "store_details", _("Keep my details to fill in future forms")
    SMS_MESSAGES = "sms_messages", _("Send me text messages")
    EMAIL_UPDATES = "email_updates", _("Send me email updates")
    RESEARCH_SURVEYS = "research_surveys", _("Invite me to research and surveys")


class ConsentMethod(models.TextChoices):
    WEB_FORM = "web_form", _("Web form")
    PHONE = "phone", _("Phone call")
    EMAIL = "email", _("Email")
    SMS = "sms", _("Text message")
    PAPER = "paper", _("Paper form")
    API = "api", _("API")
    STAFF = "staff", _("Recorded by staff")


class Person(TimeStampedModel):
    """A member of the public. Not a login account: staff are `accounts.User`."""

    given_name = models.CharField(_("given name"), max_length=NAME_MAX_LENGTH, blank=True)
    family_name = models.CharField(_("family name"), max_length=NAME_MAX_LENGTH, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=Language.choices, default=Language.ENGLISH
    )
    preferred_channel = models.CharField(
        _("preferred channel"), max_length=16, choices=PreferredChannel.choices, default=PreferredChannel.EMAIL
    )
    address = models.CharField(
        _("address"),
        max_length=300,
        blank=True,
        help_text=_("Kept only while the person consents to storing their details (store_details)."),
    )
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_from",
        help_text=_("Set when this record was merged into another; that person is the one to use."),
    )
    merged_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True, help_text=_("False once the record has been merged away."))

    class Meta:
        ordering = ["id"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = [models.Index(fields=["family_name", "given_name"], name="person_name_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(merged_into__isnull=True) | Q(is_active=False),
                name="person_merged_is_inactive",
            ),
            models.CheckConstraint(
                condition=~Q(merged_into=models.F("id")),
                name="person_not_merged_into_self",
            ),
        ]

    def __str__(self) -> str:
        return f"Person #{self.pk}"

    @property
    def display_name(self) -> str:
        """Names as a person would write them, or a neutral label when none are known."""
        full = " ".join(part for part in (self.given_name.strip(), self.family_name.strip()) if part)
        return full or f"Person #{self.pk}"

    def surviving(self) -> Person:
        """This person, or the active record it was (possibly repeatedly) merged into."""
        person = self
        for _step in range(MERGE_CHAIN_LIMIT):
            if person.merged_into_id is None:
                return person
            person = Person.objects.get(pk=person.merged_into_id)
        raise RuntimeError(f"merged_into chain from person {self.pk} is longer than {MERGE_CHAIN_LIMIT}")


class ContactPoint(TimeStampedModel):
    """An email address or phone number (normalised) that identifies one person."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="contact_points")
    kind = models.CharField(_("kind"), max_length=8, choices=ContactKind.choices)
    value = models.CharField(
        _("value"),
        max_length=CONTACT_VALUE_MAX_LENGTH,
        help_text=_("Emails stripped and lower-cased; phones in E.164 (+16175550123)."),
    )
    is_primary = models.BooleanField(_("primary"), default=False)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)

    class Meta:
        ordering = ["person_id", "kind", "-is_primary", "id"]
        verbose_name = _("contact point")
        verbose_name_plural = _("contact points")
        constraints = [
            # Its unique index also serves every lookup by (kind, value): no second index needed.
            models.UniqueConstraint(fields=["kind", "value"], name="uniq_contact_point_kind_value"),
            models.UniqueConstraint(
                fields=["person", "kind"],
                condition=Q(is_primary=True),
                name="uniq_contact_point_primary",
            ),
            models.CheckConstraint(condition=Q(kind__in=ContactKind.values), name="contact_point_kind_valid"),
            models.CheckConstraint(condition=~Q(value=""), name="contact_point_value_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} of person #{self.person_id}"


class Consent(models.Model):
    """One statement of consent given or withdrawn. Never edited: a new row supersedes the last."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=32, choices=ConsentPurpose.choices)
    given = models.BooleanField(_("given"), help_text=_("True: consent given. False: withdrawn or refused."))
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    method = models.CharField(_("method"), max_length=16, choices=ConsentMethod.choices)
    note = models.CharField(_("note"), max_length=CONSENT_NOTE_MAX_LENGTH, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consents_recorded",
    )

    class Meta:
        ordering = ["person_id", "purpose", "recorded_at", "id"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        get_latest_by = ["recorded_at", "id"]
        indexes = [models.Index(fields=["person", "purpose", "recorded_at"], name="consent_person_purpose_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(purpose__in=ConsentPurpose.values), name="consent_purpose_valid"),
            models.CheckConstraint(condition=Q(method__in=ConsentMethod.values), name="consent_method_valid"),
        ]

    def __str__(self) -> str:
        state = "given" if self.given else "withdrawn"
        return f"{self.purpose} {state} (person #{self.person_id})"


class SignInLink(models.Model):
    """A one-time link that signs a resident in to the portal (no passwords).

    Only the SHA-256 of the token is stored; the token itself travels in the email alone.
    """

    email = models.CharField(max_length=CONTACT_VALUE_MAX_LENGTH, help_text=_("Normalised email the link was sent to."))
    token_hash = models.CharField(max_length=64)
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.CASCADE, related_name="sign_in_links")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.ENGLISH)
    next_path = models.CharField(max_length=200, blank=True, help_text=_("Portal path to open after sign-in."))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["token_hash"], name="uniq_sign_in_link_token")]
        indexes = [models.Index(fields=["email", "created_at"], name="sign_in_link_email_idx")]

    def __str__(self) -> str:
        return f"sign-in link #{self.pk}"
