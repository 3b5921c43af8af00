"""Project settings, read through django-environ.

With no environment at all the project runs on embedded defaults (SQLite, in-memory
channel layer, Celery in-process, console e-mail, sandbox payment gateway, DEBUG on), which
is what `make run` gives a newcomer. Real deployments set the variables listed in README.md.
"""

import os
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from whitenoise.compress import Compressor

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

# A dotenv file fills in the variables the environment leaves unset; the environment wins.
# ENV_FILE names it (unset: `.env` beside manage.py, when there is one; empty: none, which is
# how the test suite keeps a developer's .env out of its runs).
ENV_FILE = os.environ.get("ENV_FILE")
if ENV_FILE is None and (BASE_DIR / ".env").is_file():
    ENV_FILE = str(BASE_DIR / ".env")
if ENV_FILE:
    if not Path(ENV_FILE).is_file():
        raise ImproperlyConfigured(f"ENV_FILE names {ENV_FILE}, which is not a file.")
    environ.Env.read_env(ENV_FILE)

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="django-insecure-dev-only-key-change-me-in-every-deployment")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_ALLOW_CREDENTIALS = True
CORS_ALLOW_HEADERS = (
    "accept",
    "authorization",
    "content-type",
    "idempotency-key",
    "x-csrftoken",
    "x-request-id",
    "x-session-token",
)
# The public base URL, used in links we hand to other systems (payment redirects, e-mails).
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "accounts.apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_countries",
    "corsheaders",
    "axes",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.google",
    "allauth.headless",
    "core",
    "accounts",
    "campaigns",
    "bookings",
    "payments",
    "validation",
    "finance",
    "notices",
]

MIDDLEWARE = [
    "core.metrics.RequestMetricsMiddleware",
    "core.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # After CORS (so a refusal carries its headers), before sessions and every view.
    "core.request_guard.RequestGuardMiddleware",
    "core.middleware.PathThrottleMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
# Requests a server process runs at once (see config.asgi); more wait on its event loop.
ASGI_CONCURRENT_REQUESTS = env.int("ASGI_CONCURRENT_REQUESTS", default=8)
WSGI_APPLICATION = None

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
                "core.context_processors.site",
                "accounts.context_processors.sign_in",
                "accounts.context_processors.invitations",
            ],
            "libraries": {"money": "core.money_tags", "local_time": "core.local_time_tags"},
        },
    },
]

# --- Data stores -------------------------------------------------------------------------

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock at BEGIN, so concurrent writers queue instead of
    # failing with "database is locked" half-way through a transaction.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
else:
    # Under ASGI every request runs on a thread of its own, so persistent per-thread
    # connections would pile up; a psycopg pool per process lends them out instead.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        connect_timeout=3,
        pool={
            "min_size": env.int("DB_POOL_MIN_SIZE", default=2),
            "max_size": env.int("DB_POOL_MAX_SIZE", default=20),
            "timeout": env.int("DB_POOL_TIMEOUT", default=10),
        },
    )
    # A statement a connection runs again and again (every booking request's) is prepared
    # on the server once psycopg has seen it prepare_threshold times, so PostgreSQL plans it
    # once per connection instead of on every run: about 40% less PostgreSQL CPU per booking
    # request (README, Benchmarks). Preparing needs server-side binding. Turn both off behind
    # a pooler that does not give each client its own session (PgBouncer in transaction mode).
    if env.bool("DB_PREPARED_STATEMENTS", default=True):
        DATABASES["default"]["OPTIONS"].update(server_side_binding=True, prepare_threshold=5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "core.cache.SharedPoolRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Live availability has its own fan-out, one Redis pub/sub subscription per process
# (campaigns/live.py), for thousands of watchers. The Channels layer carries the door's
# groups (validation/live.py: a few listeners per campaign), through Redis pub/sub.
CHANNEL_LAYERS = (
    {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
    if REDIS_URL
    else {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
)

SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Celery ------------------------------------------------------------------------------

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
# Without a broker, tasks run in-process (the `make run` default); with one they go to
# RabbitMQ and a worker.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
# Without a broker no beat runs either: the web server process runs CELERY_BEAT_SCHEDULE
# itself (core.periodic), so holds expire and campaigns end under `make run` too.
PERIODIC_JOBS_IN_PROCESS = env.bool("PERIODIC_JOBS_IN_PROCESS", default=not CELERY_BROKER_URL)
CELERY_BROKER_URL = CELERY_BROKER_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_TIMEOUT = 5
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_BEAT_SCHEDULE = {
    "expire-holds": {"task": "bookings.tasks.expire_holds", "schedule": 30.0},
    "waiting-list-offers": {"task": "bookings.tasks.serve_waiting_lists", "schedule": 30.0},
    "fold-view-counts": {"task": "campaigns.tasks.fold_view_counts", "schedule": 60.0},
    "end-finished-campaigns": {"task": "campaigns.tasks.end_finished_campaigns", "schedule": 300.0},
    "reconcile-payments": {"task": "payments.tasks.reconcile_pending_payments", "schedule": 120.0},
    "send-due-payouts": {"task": "finance.tasks.payouts_send_due", "schedule": 300.0},
    "settle-payouts": {"task": "finance.tasks.payouts_settle_processing", "schedule": 300.0},
    "send-reminders": {"task": "notices.tasks.send_due_reminders", "schedule": 900.0},
    "announce-moves": {"task": "notices.tasks.send_due_move_notices", "schedule": 60.0},
}

# --- Authentication ----------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# Google is the only way in: no passwords, no sign-up forms.
SOCIALACCOUNT_ONLY = True
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_LOGIN_ON_GET = True
SOCIALACCOUNT_STORE_TOKENS = False
GOOGLE_CLIENT_ID = env("GOOGLE_CLIENT_ID", default="")
SOCIALACCOUNT_PROVIDERS = {
    "google": {
        "APPS": [
            {
                "client_id": GOOGLE_CLIENT_ID,
                "secret": env("GOOGLE_CLIENT_SECRET", default=""),
                "key": "",
            }
        ]
        if GOOGLE_CLIENT_ID
        else [],
        "SCOPE": ["profile", "email"],
        "AUTH_PARAMS": {"access_type": "online", "prompt": "select_account"},
        "VERIFIED_EMAIL": True,
    }
}
HEADLESS_CLIENTS = ("app",)
HEADLESS_TOKEN_STRATEGY = "accounts.tokens.SingleReadSessionTokenStrategy"
HEADLESS_SERVE_SPECIFICATION = False

AXES_ONLY_ADMIN_SITE = True
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "accounts.axes.lockout_username"

# --- Security ----------------------------------------------------------------------------

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^health/?$", r"^metrics/?$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_HTTPONLY = False  # the pages' small scripts read it for fetch()
X_FRAME_OPTIONS = "DENY"

# AES-256-GCM master key for encrypted fields (32 bytes, standard base64). The default is
# for development only; a deploy check refuses it with DEBUG off.
DEV_ENCRYPTION_KEY = "ZGV2LW9ubHktZW5jcnlwdGlvbi1rZXktMzItYnl0ZXM="
ENCRYPTION_KEY = env("ENCRYPTION_KEY", default=DEV_ENCRYPTION_KEY)

# --- API ---------------------------------------------------------------------------------

# Request limits (README, "API limits"), refused by core.request_guard before any view runs.
# Django's own limit on bodies it reads is the same number.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("MAX_REQUEST_BODY_BYTES", default=1024 * 1024)
MAX_JSON_DEPTH = env.int("MAX_JSON_DEPTH", default=20)


def _rate(scope: str, default: str) -> str:
    return env(f"THROTTLE_RATE_{scope.upper()}", default=default)


REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.SessionTokenAuthentication",
        # Refuses a scanner device's token on every view but the door's (README, Door).
        "validation.authentication.DeviceTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["core.parsers.GuardedJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.Pagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "core.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api_errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "core.throttling.ScopedOrDefaultThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": _rate("anon", "100/min"),
        "user": _rate("user", "600/min"),
        # Signing in (web start, mobile token exchange) per client address; logout per user.
        "auth": _rate("auth", "10/min"),
        "seller_application": _rate("seller_application", "10/hour"),
        # Flutterwave's webhook, per client address: generous, retries come in bursts.
        "webhook": _rate("webhook", "600/min"),
        "booking": _rate("booking", "60/min"),
        "payment": _rate("payment", "30/min"),
        "scan": _rate("scan", "600/min"),
        # Exchanging a pairing code for a device token, per client address (codes are short).
        "pairing": _rate("pairing", "20/min"),
    },
    "NUM_PROXIES": env.int("NUM_PROXIES", default=None),
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# A seller's messages to a campaign's buyers, per campaign (notices.services).
CAMPAIGN_MESSAGE_RATE = env("CAMPAIGN_MESSAGE_RATE", default="3/hour")
# Paths served outside DRF that share its throttles (core.middleware.PathThrottleMiddleware).
THROTTLED_PATHS = {
    "/accounts/google/login/": "auth",
    "/_allauth/app/v1/auth/provider/token": "auth",
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append(
        "rest_framework.renderers.BrowsableAPIRenderer"
    )

SPECTACULAR_SETTINGS = {
    "TITLE": "Ticketing marketplace API",
    "DESCRIPTION": (
        "Campaigns, bookings, payments, tickets, door validation and seller finance. "
        "Mobile and scripted clients send `X-Session-Token`; browsers use the session "
        "cookie. Without credentials a call is 401 with `WWW-Authenticate`; a signed-in "
        "user without the right is 403.\n\n"
        "Errors are `{code, detail}` (plus `fields` for validation). Limits, refused before "
        f"any work: bodies up to {DATA_UPLOAD_MAX_MEMORY_SIZE} bytes (413), JSON only "
        f"(415), nested at most {MAX_JSON_DEPTH} deep, no NUL or lone surrogate in any "
        "string, key, query or header, finite numbers (400); a value of the wrong JSON type "
        "is refused, never coerced. Field lengths and list sizes are in the schema below."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets used by several apps get one name each in the schema.
    "ENUM_NAME_OVERRIDES": {
        "VenueTypeEnum": "core.choices.VenueType",
        "CampaignStatusEnum": "campaigns.models.Campaign.Status",
        "SellerApplicationStatusEnum": "accounts.models.SellerApplication.Status",
        "BookingStatusEnum": "bookings.models.Booking.Status",
        "TicketStatusEnum": "bookings.models.Ticket.Status",
        "WaitingListEntryStatusEnum": "bookings.models.WaitingListEntry.Status",
        "ScanResultEnum": "validation.models.Scan.Result",
        "LedgerEntryKindEnum": "finance.models.LedgerEntry.Kind",
        "WithdrawalMethodKindEnum": "finance.models.WithdrawalMethod.Kind",
        "PromoCodeKindEnum": "campaigns.models.PromoCode.Kind",
        "RefundPolicyKindEnum": "campaigns.models.Campaign.RefundPolicy",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.schema.add_non_drf_paths",
    ],
}
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
# Source maps are fetched by browser developer tools only; compressing their 14 MB took three
# quarters of `collectstatic`.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")

# --- Files, mail, i18n -------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "core.staticfiles.HashedCompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Tickets <tickets@localhost>")

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Domain settings ---------------------------------------------------------------------

BOOKING_HOLD_SECONDS = env.int("BOOKING_HOLD_SECONDS", default=600)
# How long a waiting-list offer holds released seats for the next person in line.
WAITING_LIST_OFFER_MINUTES = env.int("WAITING_LIST_OFFER_MINUTES", default=30)
# The longest a transaction waits for a row lock before giving up with a retryable 503
# (core.locking): long enough for any queue of short locked sections, short enough that no
# request hangs.
LOCK_TIMEOUT_SECONDS = env.float("LOCK_TIMEOUT_SECONDS", default=5)
# How long an invitation to manage a campaign can be accepted.
MANAGER_INVITATION_DAYS = env.int("MANAGER_INVITATION_DAYS", default=7)
# Door devices: how long a pairing code can be used, and how long an offline bundle (which
# holds the campaign's QR keys) may be used before the device must fetch a new one.
PAIRING_CODE_MINUTES = env.int("PAIRING_CODE_MINUTES", default=10)
OFFLINE_BUNDLE_HOURS = env.int("OFFLINE_BUNDLE_HOURS", default=12)
PLATFORM_FEE_PERCENT = Decimal(env("PLATFORM_FEE_PERCENT", default="5"))
PAYOUT_HOLD_DAYS = env.int("PAYOUT_HOLD_DAYS", default=3)
CURRENCIES = env.list(
    "CURRENCIES",
    default=["NGN", "GHS", "KES", "UGX", "TZS", "RWF", "ZAR", "USD", "EUR", "GBP"],
)
FLUTTERWAVE_SECRET_KEY = env("FLUTTERWAVE_SECRET_KEY", default="")
FLUTTERWAVE_SECRET_HASH = env("FLUTTERWAVE_SECRET_HASH", default="")
FLUTTERWAVE_BASE_URL = env("FLUTTERWAVE_BASE_URL", default="https://api.flutterwave.com")
# "flutterwave" or "sandbox" (a hosted checkout served by this site, for development).
PAYMENT_GATEWAY = env(
    "PAYMENT_GATEWAY", default="flutterwave" if FLUTTERWAVE_SECRET_KEY else "sandbox"
)

# --- Metrics -----------------------------------------------------------------------------

# GET /metrics: with a token, scrapers must send `Authorization: Bearer <token>`; without
# one, only loopback and private client addresses are answered. PROMETHEUS_MULTIPROC_DIR
# (read by prometheus-client itself) shares the counts of several processes (core/metrics.py).
METRICS_TOKEN = env("METRICS_TOKEN", default="")

# --- Logging -----------------------------------------------------------------------------

LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOG_FILE = env("LOG_FILE", default="")
# "size": a new file every LOG_FILE_MAX_BYTES; "daily": a new file at midnight UTC.
LOG_ROTATION = env("LOG_ROTATION", default="size")
_log_handlers = {
    "console": {
        "class": "logging.StreamHandler",
        "formatter": "json",
        "filters": ["request_id"],
    }
}
if LOG_FILE:
    _log_handlers["file"] = {
        "filename": LOG_FILE,
        "backupCount": env.int("LOG_FILE_BACKUPS", default=5),
        "formatter": "json",
        "filters": ["request_id"],
    }
    if LOG_ROTATION == "daily":
        _log_handlers["file"].update(
            {"class": "logging.handlers.TimedRotatingFileHandler", "when": "midnight", "utc": True}
        )
    elif LOG_ROTATION == "size":
        _log_handlers["file"].update(
            {
                "class": "logging.handlers.RotatingFileHandler",
                "maxBytes": env.int("LOG_FILE_MAX_BYTES", default=10 * 1024 * 1024),
            }
        )
    else:
        raise ImproperlyConfigured(f"LOG_ROTATION is {LOG_ROTATION!r}: use 'size' or 'daily'.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "core.logging.RequestIdFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        }
    },
    "handlers": _log_handlers,
    "root": {"handlers": list(_log_handlers), "level": LOG_LEVEL},
    "loggers": {
        # The request middleware logs every request once, with its duration.
        "django.server": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
        "uvicorn.access": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- Error reporting ---------------------------------------------------------------------

# With a DSN, unhandled errors of requests and Celery tasks go to Sentry, without the user,
# client address, cookies or request bodies (names, e-mails, phone numbers). sentry-sdk
# reads SENTRY_ENVIRONMENT and SENTRY_RELEASE itself.
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        max_request_body_size="never",
    )
