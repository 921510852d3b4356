"""Civitas settings: everything comes from the environment (see README, "Configuration").

Bad values stop start-up with a message naming the variable (config/env.py).
Production checks (DEBUG off) run at start-up through Django's system checks
(civitas/core/checks.py) and `manage.py check --deploy`.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from config.env import (
    database_config,
    env_bool,
    env_int,
    env_list,
    env_str,
    env_time_zone,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CIVITAS_VAR_DIR", str(BASE_DIR / "var")) or BASE_DIR / "var")

DEBUG = env_bool("DEBUG", False)
# pytest loads settings before any conftest can set the variable, so its presence counts too.
TESTING = env_bool("CIVITAS_TESTING", False) or "pytest" in sys.modules

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG and not TESTING:
        raise ImproperlyConfigured(
            "SECRET_KEY is required when DEBUG is off. Set SECRET_KEY to a long random string "
            '(python -c "import secrets; print(secrets.token_urlsafe(50))"), or set DEBUG=1 for development.'
        )
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG or TESTING else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://localhost:8000")

INSTALLED_APPS = [
    "modeltranslation",  # must precede django.contrib.admin
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_ratelimit",
    "django_tasks",
    "django_tasks_db",
    "django_otp",  # sign-in security: TOTP devices (before civitas.accounts, whose admin replaces theirs)
    "django_otp.plugins.otp_totp",
    "axes",  # sign-in security: lockout after repeated failures
    "civitas.core",
    "civitas.audit",
    "civitas.accounts",
    "civitas.people",
    "civitas.catalog",
    "civitas.cases",
    "civitas.search",
    "civitas.notifications",
    "civitas.integrations",
    "ninja",  # the REST API's bundled Swagger UI (served from static files, no CDN)
    "civitas.api",
    "civitas.portal",
    "civitas.console",
    "civitas.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "civitas.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "civitas.accounts.middleware.IdleTimeoutMiddleware",
    "civitas.accounts.middleware.MfaRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks: turns a lockout into our page
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": database_config(env_str("DATABASE_URL"), BASE_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "civitas.accounts.backends.LockoutBackend",  # django-axes; must come first
    "django.contrib.auth.backends.ModelBackend",
    "civitas.accounts.backends.SystemAdminRoleBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Hashing is deliberately slow; tests create many users.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "console:sign-in"
LOGIN_REDIRECT_URL = "console:home"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_time_zone("TIME_ZONE", "America/New_York")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")) or VAR_DIR / "media")
STORAGES = {
    "default": {"BACKEND": env_str("FILE_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage")},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

TASKS = {
    "default": {
        "BACKEND": env_str("TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# --- Civitas settings -------------------------------------------------------------------------
CIVITAS_REFERENCE_PREFIX = env_str("CIVITAS_REFERENCE_PREFIX", "SR") or "SR"
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024, minimum=1)
ATTACHMENT_ALLOWED_TYPES = env_list(
    "ATTACHMENT_ALLOWED_TYPES",
    ["image/jpeg", "image/png", "image/webp", "image/gif", "application/pdf", "text/plain"],
)
PHONE_DEFAULT_REGION = env_str("PHONE_DEFAULT_REGION", "US") or "US"
# Map tiles for the console and portal maps; MAP_TILE_URL set to an empty value means no tiles (text only).
MAP_TILE_URL = __import__("os").environ.get("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png").strip()
MAP_TILE_ATTRIBUTION = env_str(
    "MAP_TILE_ATTRIBUTION", '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)
# The audit checkpoint key signs checkpoints of the hash chain; it never enters the database.
AUDIT_HMAC_KEY = env_str("AUDIT_HMAC_KEY")
AUDIT_HMAC_KEY_FILE = env_str("AUDIT_HMAC_KEY_FILE", str(VAR_DIR / "audit-hmac.key"))
AUDIT_CHECKPOINT_MINUTES = env_int("AUDIT_CHECKPOINT_MINUTES", 10, minimum=1)
SCHEDULER_TICK_SECONDS = env_int("SCHEDULER_TICK_SECONDS", 15, minimum=1)

# --- Security --------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600, minimum=60)
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG and not TESTING:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)

# --- sign-in security -------------------------------------------------------------------------
# Staff sign in at /console/sign-in/ (ADR 0007). MFA_REQUIRED forces TOTP enrolment and a code at
# every sign-in for the console and the admin site; off (make run, the demo) it is offered, not forced.
# Tests default it off so that `client.force_login` works; the sign-in tests turn it on.
MFA_REQUIRED = env_bool("MFA_REQUIRED", not TESTING)
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Civitas") or "Civitas"
# Inactivity (minutes) after which the next request signs the user out.
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 30, minimum=1)
# django-axes: lock an email address from one IP address after AXES_FAILURE_LIMIT failures for
# LOCKOUT_COOLOFF_MINUTES. Off under tests unless a test turns it on (the test client's login()
# calls authenticate() without a request).
AXES_ENABLED = env_bool("AXES_ENABLED", not TESTING)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOCKOUT_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The key authenticate() receives the (lower-cased) email under; axes would default to "email".
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "civitas.console.views.auth.locked_out"
# The audit chain records sign-ins; axes keeps only failure counters (no access log of its own).
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False
# Where the client address comes from: REMOTE_ADDR unless a trusted proxy sets a header (e.g.
# AXES_IP_HEADERS=HTTP_X_FORWARDED_FOR behind a load balancer that overwrites it).
AXES_IPWARE_META_PRECEDENCE_ORDER = tuple(env_list("AXES_IP_HEADERS", ["REMOTE_ADDR"]))

# --- cache (rate limits, sessions of many processes) -------------------------------------------
# CACHE_URL=redis://host:6379/1 when several web processes or nodes run; otherwise a file cache under
# var/ that the processes of one server share. Tests use a per-process memory cache.
CACHE_URL = env_str("CACHE_URL", "") or ""
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
elif TESTING:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache"}}
    CACHES["default"]["LOCATION"] = str(VAR_DIR / "cache")
# django-ratelimit counts in the cache above; the file cache is shared by the processes of one server.
RATELIMIT_USE_CACHE = "default"
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001", "django_ratelimit.E003"]

# --- resident portal (issue 4) ------------------------------------------------------------------
# Photos: at most PORTAL_MAX_PHOTOS per report, each at most PORTAL_PHOTO_MAX_BYTES, JPEG/PNG/WebP by content;
# re-encoded with Pillow (EXIF and GPS removed) and scaled to at most PORTAL_PHOTO_MAX_PIXELS on the long side.
PORTAL_MAX_PHOTOS = env_int("PORTAL_MAX_PHOTOS", 3, minimum=0)
PORTAL_PHOTO_MAX_BYTES = env_int("PORTAL_PHOTO_MAX_BYTES", 8 * 1024 * 1024, minimum=1024)
PORTAL_PHOTO_MAX_PIXELS = env_int("PORTAL_PHOTO_MAX_PIXELS", 2048, minimum=64)
# The jurisdiction's boundary: a GeoJSON file (Polygon / MultiPolygon, or a FeatureCollection of them).
# Points outside are refused. Empty: no boundary check.
JURISDICTION_BOUNDARY_FILE = env_str("JURISDICTION_BOUNDARY_FILE", "")
# Where the portal map opens (lat, long, zoom) when the resident has not placed a pin.
PORTAL_MAP_CENTER = tuple(float(v) for v in env_list("PORTAL_MAP_CENTER", ["42.3601", "-71.0589", "13"]))
# Rate limits (django-ratelimit syntax "count/period"): per client address and per contact (email/phone).
PORTAL_REPORT_RATE_IP = env_str("PORTAL_REPORT_RATE_IP", "20/h") or "20/h"
PORTAL_REPORT_RATE_CONTACT = env_str("PORTAL_REPORT_RATE_CONTACT", "10/h") or "10/h"
PORTAL_SIGN_IN_RATE_IP = env_str("PORTAL_SIGN_IN_RATE_IP", "10/h") or "10/h"
PORTAL_SIGN_IN_RATE_CONTACT = env_str("PORTAL_SIGN_IN_RATE_CONTACT", "5/h") or "5/h"
PORTAL_TRACK_RATE_IP = env_str("PORTAL_TRACK_RATE_IP", "30/h") or "30/h"
# Resident sign-in links are good for this many minutes, once.
PORTAL_SIGN_IN_LINK_MINUTES = env_int("PORTAL_SIGN_IN_LINK_MINUTES", 20, minimum=1)
# A satisfaction answer can be changed for this many days after it was first given.
SATISFACTION_EDIT_DAYS = env_int("SATISFACTION_EDIT_DAYS", 14, minimum=0)
# Public maps show locations of location-sensitive service types only to a grid this many metres wide.
PUBLIC_GRID_METRES = env_int("PUBLIC_GRID_METRES", 500, minimum=10)

# --- APIs: Open311 GeoReport v2, REST API v1, webhooks, sensors (issue 5) --------------------------
# Requests per minute per API key (a key may set its own); anonymous Open311 reads per client address.
API_RATE_LIMIT = env_int("API_RATE_LIMIT", 600, minimum=1)
OPEN311_ANONYMOUS_RATE = env_str("OPEN311_ANONYMOUS_RATE", "300/m") or "300/m"
# Largest request body the APIs accept, in bytes (a larger one gets 413 in the API's error format).
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", 1024 * 1024, minimum=1024)
# Jurisdictions this deployment answers for (Open311 jurisdiction_id). Empty: any value is accepted.
OPEN311_JURISDICTIONS = env_list("OPEN311_JURISDICTIONS", [])
# Open311 discovery: who to contact about the API, and how developers get an api_key.
OPEN311_CONTACT = env_str("OPEN311_CONTACT", "") or ""
OPEN311_KEY_SERVICE = env_str("OPEN311_KEY_SERVICE", "") or ""
# Idempotency-Key answers are kept this many hours.
API_IDEMPOTENCY_HOURS = env_int("API_IDEMPOTENCY_HOURS", 24, minimum=1)
# Webhooks: delivery attempts before an event is given up, failures in a row before a subscription is
# disabled (its owner is told), the request timeout, and whether private/loopback addresses may be called
# (off in production: SSRF). WEBHOOK_ALLOWED_HOSTS lists hosts allowed even when private.
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 8, minimum=1)
WEBHOOK_DISABLE_AFTER = env_int("WEBHOOK_DISABLE_AFTER", 20, minimum=1)
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10, minimum=1)
WEBHOOK_ALLOW_PRIVATE = env_bool("WEBHOOK_ALLOW_PRIVATE", False)
WEBHOOK_ALLOWED_HOSTS = env_list("WEBHOOK_ALLOWED_HOSTS", [])
# django-ninja: no page-number pagination defaults are used (the API pages by keyset cursors).
NINJA_PAGINATION_PER_PAGE = 50

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "civitas@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "civitas.core.logging.RequestIdFilter"},
        "redact_secrets": {"()": "civitas.core.redact.RedactSecretsFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id", "redact_secrets"],
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own handlers (DEFAULT_LOGGING) are replaced by ours, which redact portal tokens.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "ERROR"},  # its messages name the email and the IP address
    },
}
