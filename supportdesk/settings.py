"""One settings module for every environment, driven by environment variables.

Without any variable set it runs on embedded defaults: SQLite and a file-based Celery
broker under ``var/``. Production sets ``DATABASE_URL``, ``REDIS_URL``, ``SECRET_KEY``,
``ALLOWED_HOSTS`` and ``DEBUG=false``.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from kombu import Exchange, Queue

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

VAR_DIR = Path(env("VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DEBUG", default=True)
_LOCAL_SECRET_KEY = "insecure-local-key-change-me-in-production"
SECRET_KEY = env("SECRET_KEY", default=_LOCAL_SECRET_KEY)
if not DEBUG and SECRET_KEY == _LOCAL_SECRET_KEY:
    raise ImproperlyConfigured("Set SECRET_KEY to a long random string when DEBUG is off.")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The public address, for links in e-mails sent outside a request (notifications).
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
# A status page and per-service feeds anyone can read without signing in, at /status/public/
# (services and whole-service incidents only, no organisation's data). Off: those are 404.
PUBLIC_STATUS_PAGE = env.bool("PUBLIC_STATUS_PAGE", default=False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "axes",
    "csp",
    "core",
    "supportdesk",
    "partners",
    "tickets",
    "sla",
    "availability",
    "hwaas",
    "entitlements",
    "desk",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "supportdesk.unavailable.DatabaseUnavailableMiddleware",
    "core.middleware.HostileInputMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "partners.middleware.UserTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "supportdesk.urls"
WSGI_APPLICATION = "supportdesk.wsgi.application"
ASGI_APPLICATION = "supportdesk.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "supportdesk.context_processors.navigation",
                "supportdesk.context_processors.support_line",
            ],
        },
    },
]

# --- Data stores -------------------------------------------------------------------------

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'supportdesk.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server, the worker and beat share one file: wait for locks instead of failing,
    # and let readers work while a writer holds the lock.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's, with a health check that costs no round trip (supportdesk.postgresql).
    DATABASES["default"]["ENGINE"] = "supportdesk.postgresql"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")
CACHE_KEY_PREFIX = env("CACHE_KEY_PREFIX", default="supportdesk")
if REDIS_URL:
    # Everything cached can be read again from the database: while Redis is unreachable
    # pages go without the cache (logged) instead of failing, and give up on it quickly.
    CACHES = {
        "default": {
            "BACKEND": "supportdesk.cache.DegradingRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    # Shared by every local process (web, worker, beat), unlike an in-memory cache.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
            "KEY_PREFIX": CACHE_KEY_PREFIX,
        }
    }

# --- Accounts and security ---------------------------------------------------------------

AUTH_USER_MODEL = "partners.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's model backend, reading the user with their organisation and groups at once.
    "partners.auth.UserBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "landing"
LOGOUT_REDIRECT_URL = "login"

# Failed logins are counted per account and address; after AXES_FAILURE_LIMIT failures the
# pair is locked out for AXES_COOLOFF_MINUTES.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_MINUTES", default=15) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "partners.auth.login_identifier"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Every limit and lockout counts clients by core.client_address, which believes only what
# the PROXY_COUNT reverse proxies in front of the desk appended to X-Forwarded-For.
PROXY_COUNT = env.int("PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "core.client_address.client_ident"
# Requests for a password-reset e-mail, per client address and per e-mail address asked for.
PASSWORD_RESET_ADDRESS_RATE = env("PASSWORD_RESET_ADDRESS_RATE", default="10/hour")
PASSWORD_RESET_EMAIL_RATE = env("PASSWORD_RESET_EMAIL_RATE", default="3/hour")

# Read from the cache, written through to the database (supportdesk.sessions).
SESSION_ENGINE = "supportdesk.sessions"
SESSION_COOKIE_HTTPONLY = True
# Secure cookies need HTTPS; turn them off only for a plain-HTTP trial installation.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
# Browsers keep to HTTPS for a year once they have seen the header, which is only ever sent
# on HTTPS responses: a plain-HTTP trial installation never sends it.
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
# Preloading is a decision for the owner of the whole domain, not for one host under it.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
if not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Scripts, styles, images and fonts come from our own static files only; no inline script,
# style or eval (htmx is told so in base.html). The API docs add what Swagger UI needs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
if env.bool("SECURE_PROXY_SSL", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Internationalisation ----------------------------------------------------------------

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# Where a user has no time zone of their own and no organisation to take one from.
DEFAULT_USER_TIME_ZONE = env("DEFAULT_USER_TIME_ZONE", default="UTC")
REGION_TIME_ZONES = {"us": "America/New_York", "eu": "Europe/Rome"}

# --- Static files ------------------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Locally, serve straight from the source folders; production runs collectstatic.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "media/"
# Behind nginx (deploy/nginx.conf): the URL prefix of its internal location for MEDIA_ROOT,
# "/_media/" there. Attachment downloads are then checked here and sent by nginx with
# X-Accel-Redirect. Empty (the default), the app sends the files itself.
MEDIA_X_ACCEL_REDIRECT = env("MEDIA_X_ACCEL_REDIRECT", default="")

# --- Cases -------------------------------------------------------------------------------

TICKET_ATTACHMENT_MAX_BYTES = env.int("TICKET_ATTACHMENT_MAX_MB", default=20) * 1024 * 1024
TICKET_ATTACHMENT_MAX_COUNT = 10
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- E-mail ------------------------------------------------------------------------------

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
# A backend by dotted path, over EMAIL_URL's (`make run` picks core.email_console's).
EMAIL_BACKEND = env("EMAIL_BACKEND", default=EMAIL_CONFIG["EMAIL_BACKEND"])
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Support desk <support@supportdesk.test>")
# Where partners' answers to our e-mails go: the mailbox piped into `manage.py ingest_email`.
SUPPORT_REPLY_TO = env("SUPPORT_REPLY_TO", default="")

# --- REST API ----------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so an anonymous API call gets 401 with a WWW-Authenticate header.
        "partners.auth.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.DeskAutoSchema",
    "DEFAULT_PARSER_CLASSES": [
        "core.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "core.api.errors.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "core.api.cursor.CheckedCursor",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_RATES": {"auth": env("API_AUTH_RATE", default="20/min")},
    # For any throttle that counts by DRF's own rule; ours use core.client_address.
    "NUM_PROXIES": PROXY_COUNT,
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}
# API tokens (django-rest-knox): only a hash of each is stored. A token ends after
# API_TOKEN_TTL_DAYS, when revoked, and when its user's password changes or the user is
# deactivated; issuing one past API_TOKENS_PER_USER revokes that user's oldest.
KNOX_TOKEN_MODEL = "partners.ApiToken"
# knox's migrations only make the table of its own token model, which partners.ApiToken
# replaces: without them no unused table holds on to the users.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=env.float("API_TOKEN_TTL_DAYS", default=30)),
    "AUTO_REFRESH": False,
}
API_TOKENS_PER_USER = env.int("API_TOKENS_PER_USER", default=10)
SPECTACULAR_SETTINGS = {
    "TITLE": "Support desk API",
    "DESCRIPTION": (
        "Cases, SLA clocks and availability credits for the partner support programme. "
        "Authenticate with a session or with `Authorization: Token <key>` "
        "(obtain one from `POST /api/auth/token/`; it expires, and `/api/auth/tokens/` "
        "lists and revokes yours)."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Served from our own static files: nothing loads from outside hosts.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Cases and messages both have a "channel" with different choices: name them apart.
    "ENUM_NAME_OVERRIDES": {
        "TicketChannelEnum": "tickets.models.Ticket.Channel",
        "MessageChannelEnum": "tickets.models.Message.Channel",
        # Cases and public incident updates both have a "status"; the cases' keeps its name.
        "StatusEnum": "tickets.models.Ticket.Status",
        "IncidentUpdateStatusEnum": "availability.models.IncidentUpdate.Status",
        "HardwareRequestKindEnum": "hwaas.models.HardwareRequest.Kind",
        "HardwareRequestCauseEnum": "hwaas.models.HardwareRequest.Cause",
        "DocumentItemKindEnum": "tickets.models.DocumentItem.Kind",
    },
}

# --- SLA clocks --------------------------------------------------------------------------

# Share of a clock's target after which its warning goes out.
SLA_WARNING_PERCENT = env.int("SLA_WARNING_PERCENT", default=75)
# How often beat sweeps for due warnings and breaches (seconds).
SLA_SWEEP_SECONDS = env.float("SLA_SWEEP_SECONDS", default=60.0)
# Timers further ahead than this are queued by the sweep when they come near, not at once:
# keep it below the broker's visibility timeout (Redis: one hour).
SLA_TIMER_HORIZON = env.int("SLA_TIMER_HORIZON", default=45 * 60)
# How often beat sweeps for intervention reminders that are due (seconds).
INTERVENTION_SWEEP_SECONDS = env.float("INTERVENTION_SWEEP_SECONDS", default=300.0)
# How often beat sweeps for document reminders due and document requests past their due
# date (seconds): how late after the due instant a partner is recorded non-responsive.
DOCUMENT_SWEEP_SECONDS = env.float("DOCUMENT_SWEEP_SECONDS", default=60.0)
# How often beat sweeps for cases waiting on the partner whose reminder or resolution is
# due (seconds; the limits are in business days, so a minute late is nothing).
WAITING_SWEEP_SECONDS = env.float("WAITING_SWEEP_SECONDS", default=60.0)

# --- Celery ------------------------------------------------------------------------------

# The host part means nothing to the file transport; naming one keeps kombu from warning.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://localhost//")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "celery" / "queue"
    _control_dir = VAR_DIR / "celery" / "control"
    for _dir in (_queue_dir, _control_dir):
        _dir.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "control_folder": str(_control_dir),
        "store_processed": False,
    }
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # A task taken by a worker that died unacknowledged goes back to the queue after
        # this long (seconds); SLA_TIMER_HORIZON stays below it.
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
        # A broker that is down or unreachable fails a publish within seconds.
        "socket_connect_timeout": 2,
        "socket_timeout": 10,
    }
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=REDIS_URL or None)
CELERY_RESULT_EXPIRES = 3600
# Nothing reads task results; storing them would also make every `delay` in a web process
# subscribe to the result's channel first (and wait ~20 s on it while Redis is down).
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = [
    Queue(name, Exchange(name), routing_key=name) for name in ("default", "sla", "notifications")
]
CELERY_TASK_DEFAULT_EXCHANGE = "default"
CELERY_TASK_DEFAULT_ROUTING_KEY = "default"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A publish tries three times within about half a second, then gives up (`delay` logs it).
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# How often beat sends the heartbeat a worker records (seconds), and how old the last one may
# be before /health/ reports the workers as stale: a worker that died, or cannot be reached
# through the broker, shows as stale within WORKER_HEARTBEAT_MAX_AGE of its last heartbeat.
WORKER_HEARTBEAT_SECONDS = env.float("WORKER_HEARTBEAT_SECONDS", default=15.0)
WORKER_HEARTBEAT_MAX_AGE = env.float("WORKER_HEARTBEAT_MAX_AGE", default=45.0)
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "supportdesk.heartbeat", "schedule": WORKER_HEARTBEAT_SECONDS},
    "sla-sweep": {"task": "sla.sweep", "schedule": SLA_SWEEP_SECONDS},
    "emails-pending": {"task": "tickets.deliver_pending_emails", "schedule": 60.0},
    "document-requests": {"task": "tickets.documents_sweep", "schedule": DOCUMENT_SWEEP_SECONDS},
    "waiting-on-partner": {"task": "desk.waiting_sweep", "schedule": WAITING_SWEEP_SECONDS},
    "intervention-reminders": {
        "task": "entitlements.intervention_sweep",
        "schedule": INTERVENTION_SWEEP_SECONDS,
    },
    # Hourly, so each reporting zone's day is counted soon after it ends there.
    "availability-daily-figures": {
        "task": "availability.daily_figures",
        "schedule": crontab(minute=5),
    },
    # Files kept for intake forms that were never sent again (tickets.kept_uploads).
    "kept-uploads-sweep": {"task": "tickets.sweep_kept_uploads", "schedule": crontab(minute=35)},
}

# --- Logging -----------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
