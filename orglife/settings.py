"""OrgLife settings: one module, configured from the environment (see .env.example).

The defaults are the embedded development stack of `make run` (SQLite, no Redis). With
DEBUG=false every secret must come from the environment, or start-up fails.
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

from orglife.env import env_bool, env_int, env_list, env_str, load_env_file, require_production_secrets

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("ORGLIFE_VAR_DIR", str(BASE_DIR / "var")))

# `make run` writes generated keys here (untracked, under var/); real environment variables win.
load_env_file(VAR_DIR / "local-keys.env")

DEBUG = env_bool("DEBUG", True)

# The development fallbacks below are in the repository, so anyone can read them: with DEBUG false the
# process refuses to start on any of them, or on the placeholders of .env.example (issue 11, point 10).
_DEV_SECRET = "dev-only-secret-key-never-use-in-production-0123456789abcdefghij"
_DEV_FERNET_KEY = "ZGV2LW9ubHktaWQtbnVtYmVyLWtleS0wMDAwMDAwMDA="
_DEV_HMAC_KEY = "dev-only-id-number-hmac-key"
KNOWN_PUBLIC_KEYS = {_DEV_SECRET, _DEV_FERNET_KEY, _DEV_HMAC_KEY,
                     "change-me-to-50-random-characters-at-least-xxxxxxxxxxxxxxxxxx"}

SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET if DEBUG else "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# 公民身份号码 are stored encrypted (Fernet) and found through a keyed HMAC: an unkeyed hash of
# an 18-character ID number is brute-forceable (stack-notes §5.6).
ID_NUMBER_ENCRYPTION_KEY = env_str("ID_NUMBER_ENCRYPTION_KEY", _DEV_FERNET_KEY if DEBUG else "")
ID_NUMBER_HMAC_KEY = env_str("ID_NUMBER_HMAC_KEY", _DEV_HMAC_KEY if DEBUG else "")
if not DEBUG:
    require_production_secrets(SECRET_KEY=SECRET_KEY, ID_NUMBER_ENCRYPTION_KEY=ID_NUMBER_ENCRYPTION_KEY,
                               ID_NUMBER_HMAC_KEY=ID_NUMBER_HMAC_KEY, known_public=KNOWN_PUBLIC_KEYS)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "import_export",
    "axes",
    "core",
    "orglife",
    "branches",
    "members",
    "meetings",
    "reviews",
    "inspections",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # last, as django-axes asks: turns a locked-out login into its 429 page
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "orglife.urls"
WSGI_APPLICATION = "orglife.wsgi.application"

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
                "orglife.context_processors.navigation",
                "orglife.context_processors.breadcrumbs",
            ],
        },
    },
]

if "DATABASE_URL" not in os.environ:
    VAR_DIR.mkdir(parents=True, exist_ok=True)  # the embedded SQLite file lives here
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'orglife.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
# A read replica (PostgreSQL streaming replication): dashboards and exports read from it (core.db).
# In tests it mirrors the primary (Django's TEST MIRROR): the same database, no replication.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = {
        **dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0)),
        "TEST": {"MIRROR": "default"},
    }
REPLICA_READS = env_bool("REPLICA_READS", bool(DATABASE_REPLICA_URL))
DATABASE_ROUTERS = ["core.db.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Every path that sets a password runs these (the password-change page, the admin, `create_user` through
# branches.services.create_or_update_user): `12345678` and `password` are refused (issue 11, point 6).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": env_int("PASSWORD_MIN_LENGTH", 8)}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Brute force (django-axes): failures are counted per username *and* client address together, never per
# address alone, since a whole office logs in from behind one NAT (stack-notes: axes locks by IP by default).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("LOGIN_LOCKOUT_MINUTES", 15) / 60  # hours
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "orglife.client_ip.client_ip"
# Behind our reverse proxy (compose: nginx) the client address is the last X-Forwarded-For entry, the
# one the proxy appended; without a proxy, X-Forwarded-For is whatever the client wrote and is ignored.
# (BEHIND_PROXY is read below, before REST_FRAMEWORK.)
# API tokens expire; a new one is issued by POST /api/v1/auth/token/ (core.auth).
API_TOKEN_TTL_HOURS = env_int("API_TOKEN_TTL_HOURS", 24 * 7)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Chinese first: no LocaleMiddleware, so a browser asking for English still gets the Chinese UI and dates.
LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
# Django's zh_Hans DATE_INPUT_FORMATS carry an invalid directive ('%n'); forms use
# core.forms.DATE_INPUT_FORMATS, which accept what people type (stack-notes §8).

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_AUTOREFRESH = DEBUG  # serve from the finders in development; no collectstatic needed
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: Redis when REDIS_URL is set; otherwise a broker that needs no server (a folder),
# so `make run` still runs a real worker and beat.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    _queue_dir = VAR_DIR / "celery"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir / "queue"),
        "data_folder_out": str(_queue_dir / "queue"),
        "processed_folder": str(_queue_dir / "processed"),
        "control_folder": str(_queue_dir / "control"),  # kombu's default is ./control in the working directory
        "store_processed": False,
    }
# No result backend unless Redis (or an explicit one) is configured: the former default `db+sqlite://`
# needs SQLAlchemy, which is not installed, and crashed the embedded worker at start-up. The scans
# ignore their results.
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", REDIS_URL) or None
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
# Three queues that never block each other (docker-compose.yml runs a worker per queue): record books
# on "pdf" (scale with `docker compose up --scale pdf-worker=N`), imports on "imports", and the scans,
# notifications and rollup on the default queue "default". A task not listed goes to "default".
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_DEFAULT_QUEUE", "default")
CELERY_PDF_QUEUE = env_str("CELERY_PDF_QUEUE", "pdf")
CELERY_IMPORTS_QUEUE = env_str("CELERY_IMPORTS_QUEUE", "imports")
CELERY_TASK_ROUTES = {
    "meetings.tasks.render_recordbook_batch": {"queue": CELERY_PDF_QUEUE},
    "meetings.tasks.render_batch_item": {"queue": CELERY_PDF_QUEUE},
    "meetings.tasks.render_book": {"queue": CELERY_PDF_QUEUE},
    "members.tasks.*": {"queue": CELERY_IMPORTS_QUEUE},
}
# A worker process is replaced after this many tasks or once its resident memory passes this many KiB
# (WeasyPrint does not return memory to the OS, stack-notes §2.4): each stays under ~400 MB.
CELERY_WORKER_MAX_TASKS_PER_CHILD = env_int("CELERY_WORKER_MAX_TASKS_PER_CHILD", 50)
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env_int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", 350_000)
# Single record books a user may send to the workers per hour (a fresh stored book costs nothing and
# is not counted); beyond it the page answers 429 with a Chinese message.
RECORDBOOK_RENDERS_PER_HOUR = env_int("RECORDBOOK_RENDERS_PER_HOUR", 20)
# A running batch with no branch finished for this long (its worker died and its messages were lost)
# is sent again by the next identical request or “继续生成”; only its missing books are rendered.
RECORDBOOK_BATCH_STALL_MINUTES = env_int("RECORDBOOK_BATCH_STALL_MINUTES", 30)
# The schedule lives here, in code (style.md §10); run exactly one beat (stack-notes §3.1). Times are
# Asia/Shanghai (CELERY_TIMEZONE). Both jobs are idempotent, so a duplicated or missed tick is harmless.
CELERY_BEAT_SCHEDULE: dict = {
    # 02:30 daily: every scanner (meetings due/overdue, six-month clock, 主题党日 rule, 换届), then the
    # in-app notices; before anyone is at work, after the day's records are in.
    "scan-compliance": {"task": "inspections.tasks.scan_compliance_task",
                        "schedule": crontab(hour=2, minute=30)},
    # 03:00 daily: e-mail the notices not yet e-mailed (does nothing unless EMAIL_HOST is set); also
    # retries e-mails the 02:30 run could not send.
    "send-notification-emails": {"task": "inspections.tasks.send_notification_emails_task",
                                 "schedule": crontab(hour=3, minute=0)},
    # every 15 minutes: roster imports stuck running longer than a task may run (a dead worker, a lost
    # message) are marked failed with a Chinese message; their tasks are never redelivered (members.tasks).
    "fail-stale-imports": {"task": "members.tasks.fail_stale_imports_task", "schedule": crontab(minute="*/15")},
    # every 15 minutes: record-book batches stuck pending or running beyond the task time limit are failed.
    "fail-stale-recordbook-batches": {"task": "meetings.tasks.fail_stale_batches_task",
                                      "schedule": crontab(minute="*/15")},
}

BEHIND_PROXY = env_bool("BEHIND_PROXY", False)

REST_FRAMEWORK = {
    # Token first: DRF takes the WWW-Authenticate header from the first class, so an anonymous or expired
    # call answers 401 (Session has no such header, which made it 403).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.auth.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # POST /api/v1/auth/token/ per client address, on top of django-axes' per username+address lockout.
    "DEFAULT_THROTTLE_RATES": {"token": env_str("API_TOKEN_RATE", "10/min")},
    # The throttle's client address: DRF trusts any X-Forwarded-For unless told how many proxies to
    # believe, so a client could name a new address per request. 0: REMOTE_ADDR; behind our nginx
    # (which overwrites the header), its one entry.
    "NUM_PROXIES": 1 if BEHIND_PROXY else 0,
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    # The browsable API would render FK filters as dropdowns of whole tables (stack-notes §4).
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "OrgLife API",
    "DESCRIPTION": "组织生活管理平台 REST API",
    "VERSION": "1.0.0",
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI served from the app itself (intranet-ready, no CDN).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name per choice set used by several fields (meeting kinds in `kinds` and `also_kinds`, …).
    "ENUM_NAME_OVERRIDES": {
        "KindsEnum": "meetings.models.Kind",
        "MaterialKindEnum": "reviews.models.Material.Kind",
        "CorrectionOutcomeEnum": [("corrected", "已改正"), ("not_corrected", "未改正，另作处置")],
    },
}

# The admin's roster export (django-import-export) writes "=…" cells as text, not live formulas.
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True

# Alert e-mails go out only when an SMTP server is configured (inspections.services).
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST
                        else "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "orglife@localhost")
# The address users open the app at, for the links in e-mailed notices ("" leaves them relative).
SITE_URL = env_str("SITE_URL", "").rstrip("/")

if not DEBUG:
    # Trusted because only the reverse proxy reaches gunicorn, and it overwrites the header (deploy/nginx.conf).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the container's own probe speaks plain HTTP
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # WeasyPrint logs every layout step at INFO: a record book would print hundreds of lines.
    # django-axes logs every login at INFO ("AXES: Deleted 0 failed login attempts …").
    "loggers": {name: {"level": "WARNING"} for name in ("weasyprint", "weasyprint.progress", "fontTools", "axes")},
}
