"""Staff sign-in security: sessions, TOTP multi-factor, sign out everywhere (ADR 0007).

Every sign-in, sign-out, failure, lockout and MFA change is an audit event (`auth:session:*`,
`auth:mfa:*`). Payloads never hold the password, the code, the TOTP secret or the typed email:
a failed attempt names the account by id when the address belongs to one, and nothing otherwise.
"""

from __future__ import annotations

from typing import Any

import django_otp
from django.conf import settings
from django.contrib.auth import login, logout
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice

from civitas.accounts.models import Membership, User
from civitas.accounts.permissions import ALL, departments_for
from civitas.audit.services import audit_record
from civitas.core.errors import PermissionDenied, ValidationError

# Session keys (bookkeeping only; never personal data).
LAST_SEEN_KEY = "civitas_last_seen"  # unix time of the last request
MFA_ENROLLED_KEY = "civitas_mfa_enrolled"  # whether the user had a confirmed device at sign-in

CODE_LENGTH = 6
WRONG_CODE = "That code is not right. Enter the 6-digit code your app shows now."


# --- reads -------------------------------------------------------------------------------------


def mfa_device(user: Any) -> TOTPDevice | None:
    """The user's confirmed TOTP device, if they have enrolled one."""
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).first()


def mfa_next_step(request: HttpRequest) -> str | None:
    """What a signed-in user must do before using staff pages: "verify", "setup" or nothing.

    A user with a device must enter a code in every session. Without one, enrolment is forced
    only when MFA_REQUIRED is on. Uses the session's note of enrolment to avoid a query per page.
    """
    user: Any = request.user
    if is_verified(user):
        return None
    enrolled = request.session.get(MFA_ENROLLED_KEY)
    if enrolled is None:
        enrolled = remember_enrolment(request.session, user)
    if enrolled:
        return "verify"
    return "setup" if settings.MFA_REQUIRED else None


def is_verified(user: Any) -> bool:
    """True when this session's user entered a code (django_otp's OTPMiddleware sets otp_device)."""
    return getattr(user, "otp_device", None) is not None


def remember_enrolment(session: Any, user: Any) -> bool:
    """Note in the session whether the user has a device (the MFA gate then needs no query)."""
    enrolled = mfa_device(user) is not None
    session[MFA_ENROLLED_KEY] = enrolled
    return enrolled


def user_email_id(email: str) -> int | None:
    return User.objects.filter(email__iexact=email.strip()).values_list("pk", flat=True).first()


# --- sessions ----------------------------------------------------------------------------------


def session_sign_in(*, request: HttpRequest, user: User) -> None:
    """Start a session for `user` (password already checked). The MFA step, if any, comes next."""
    with transaction.atomic():
        login(request, user)  # the user_logged_in receiver starts the idle clock and notes enrolment
        audit_record(actor=user, action="auth:session:sign_in", obj=user)


def session_sign_in_failed(*, email: str) -> None:
    """A wrong email or password. The account is referenced by id only when it exists."""
    _record_attempt("auth:session:sign_in_failed", email)


def session_locked_out(*, email: str) -> None:
    _record_attempt("auth:session:locked_out", email)


def _record_attempt(action: str, email: str) -> None:
    user_id = user_email_id(email) if email else None
    user = User.objects.filter(pk=user_id).first() if user_id else None
    with transaction.atomic():
        audit_record(actor=None, action=action, obj=user)


def session_sign_out(*, request: HttpRequest, reason: str = "user") -> None:
    """End this session. `reason`: "user" (pressed sign out) or "idle" (timed out)."""
    user: Any = request.user
    if user.is_authenticated:
        with transaction.atomic():
            audit_record(actor=user, action="auth:session:sign_out", obj=user, context={"reason": reason})
    logout(request)


def user_sign_out_everywhere(*, actor: Any, user: User) -> None:
    """End every session of `user` on every device (the epoch is part of each session's hash)."""
    if actor.pk != user.pk:
        raise PermissionDenied("You may only sign yourself out everywhere.")
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
        audit_record(actor=actor, action="auth:session:sign_out_everywhere", obj=user)
    user.refresh_from_db(fields=["session_epoch"])


# --- multi-factor ------------------------------------------------------------------------------


def mfa_device_start(*, user: User) -> TOTPDevice:
    """An unconfirmed device to enrol (the same one until it is confirmed, so a reload keeps the QR)."""
    if mfa_device(user) is not None:
        raise ValidationError("You already have an authenticator app set up.", field="code")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


def mfa_device_confirm(*, request: HttpRequest, user: User, code: str) -> TOTPDevice:
    """Confirm enrolment with a code from the app; the session counts as verified afterwards."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        raise ValidationError("Start again: the set-up has expired.", field="code")
    if not _token_ok(device, code):
        raise ValidationError(WRONG_CODE, field="code")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit_record(actor=user, action="auth:mfa:enrol", obj=user)
    django_otp.login(request, device)
    request.session[MFA_ENROLLED_KEY] = True
    return device


def mfa_verify(*, request: HttpRequest, user: User, code: str) -> None:
    """Check the code at sign-in. Wrong codes are audited; the device slows down repeated guesses."""
    device = mfa_device(user)
    if device is None:
        raise ValidationError("You have no authenticator app set up.", field="code")
    if not _token_ok(device, code):
        with transaction.atomic():
            audit_record(actor=user, action="auth:mfa:verify_failed", obj=user)
        raise ValidationError(WRONG_CODE, field="code")
    with transaction.atomic():
        audit_record(actor=user, action="auth:mfa:verify", obj=user)
    django_otp.login(request, device)


def mfa_reset(*, actor: Any, user: User) -> int:
    """Remove the user's authenticator devices (they enrol again). Returns how many were removed.

    Allowed for the user themselves, a system administrator, or a department administrator of
    every department the user belongs to (organisation-wide staff: system administrators only).
    """
    _check_may_reset(actor, user)
    with transaction.atomic():
        removed, _ = TOTPDevice.objects.filter(user=user).delete()
        audit_record(
            actor=actor,
            action="auth:mfa:reset",
            obj=user,
            context={"by": "self" if actor.pk == user.pk else "admin"},
        )
    return removed


def _check_may_reset(actor: Any, user: User) -> None:
    if actor.pk == user.pk:
        return
    allowed = departments_for(actor, "accounts.manage")
    if allowed is ALL:
        return
    departments = set(Membership.objects.filter(user=user).values_list("department_id", flat=True))
    if departments and None not in departments and departments <= allowed:
        return
    raise PermissionDenied("Only an administrator of this person's departments may reset their MFA.")


def mfa_prompt_dismiss(*, user: User) -> None:
    """The enrolment offer was shown at first sign-in, or the user chose 'Not now' (MFA not required)."""
    User.objects.filter(pk=user.pk).update(mfa_prompt_dismissed=True)
    user.mfa_prompt_dismissed = True


def _token_ok(device: TOTPDevice, code: str) -> bool:
    """Check the code's shape, the device's back-off after wrong codes, then the code itself."""
    if not (len(code) == CODE_LENGTH and code.isdigit()):
        raise ValidationError("Enter the 6-digit code from your authenticator app.", field="code")
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        raise ValidationError("Too many wrong codes. Wait a minute, then try again.", field="code")
    return bool(device.verify_token(code))
