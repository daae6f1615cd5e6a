"""Settings for the expert-opinion knowledge base, read from the environment.

Every setting a deployment changes comes from an environment variable (a `.env` file at the
project root is read too, for local development; real environment variables win). A value that
cannot be parsed stops start-up with a message naming the variable.
"""

import hashlib
import os
import re
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from js_asset import Script

from config.env import env_bool, env_int, env_list

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", default=False)

# Development may run on a throwaway key; production refuses to start without a real one.
DEVELOPMENT_SECRET_KEY = "insecure-development-key-never-use-in-production"  # noqa: S105
# SECRET_KEY, or SECRET_KEY_FILE naming a file that holds it (`make serve` keeps one in .secret_key,
# generated once, outside git, so that a restart signs nobody out).
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY and os.environ.get("SECRET_KEY_FILE"):
    try:
        SECRET_KEY = Path(os.environ["SECRET_KEY_FILE"]).read_text().strip()
    except OSError as error:
        raise ImproperlyConfigured(f"SECRET_KEY_FILE cannot be read: {error}") from None
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (production). "
            "For local development set DEBUG=true; `make run` writes a .env that does."
        )
    SECRET_KEY = DEVELOPMENT_SECRET_KEY
elif not DEBUG and (SECRET_KEY == DEVELOPMENT_SECRET_KEY or len(SECRET_KEY) < 32):
    raise ImproperlyConfigured("SECRET_KEY must be a long random string (50+ characters) in production.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])

INSTALLED_APPS = [
    "config.apps.EditorialAdminConfig",  # django.contrib.admin with our site (config/admin.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django.contrib.postgres",  # trigram lookups on PostgreSQL; inert on SQLite
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our own static files, no CDN
    "axes",  # admin login: lock-out after repeated failures
    "reversion",  # a version of an article at every save in the admin, restorable
    "django_prose_editor",  # the article body's rich-text editor in the admin (docs/editor.md)
    "django_tasks_db",  # the task queue, a table (TASKS below; docs/tasks.md)
    "articles",
    "experts",
    "alerts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages compressed, stored ones too (config.middleware): a page then fits in the first round trip
    # of a new connection (an article, 17 KB to 5). Static files come compressed from WhiteNoise above.
    "config.middleware.PageCompressionMiddleware",
    # Stored pages are served from here, past nothing but the security headers. On a miss, the
    # middleware below run: the cookies they set (a session, a CSRF token) keep a page from being stored.
    "pagecache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The interface language: from the URL's prefix (/en/, /ru/), else the switcher's cookie, else
    # Accept-Language; an unprefixed public URL is answered with a permanent redirect (config.i18n).
    "config.i18n.LanguageMiddleware",
    "config.middleware.DeskTimeZoneMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.middleware.DatabaseUnavailableMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

ROOT_URLCONF = "config.urls"

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
                "django.template.context_processors.csp",
                "articles.context_processors.site",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# SQLite in the project folder unless DATABASE_URL names another database (postgres://...).
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
try:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
except ValueError as error:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL Django can use: {error}") from error
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database that is down answers "unavailable" within seconds instead of hanging a worker.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)
    # A guard for the served site: no statement may hold a worker longer than this (milliseconds);
    # what hits it answers the friendly 503 and logs the page. config/gunicorn.conf.py sets 5000 for
    # the app server; management commands (imports, migrations) run without it unless it is set.
    STATEMENT_TIMEOUT = env_int("DATABASE_STATEMENT_TIMEOUT", default=0)
    # Memory a sort may use before it spills to disk. Ranking a common word's matches off the RUM
    # index sorts them all (230,000 summaries for "security" at a million articles): with the
    # server's default 4MB that sort went to temporary files, 270 ms against 200 with 32MB.
    WORK_MEM = os.environ.get("DATABASE_WORK_MEM", "32MB").strip()
    if WORK_MEM and not re.fullmatch(r"\d+(kB|MB|GB)", WORK_MEM):
        raise ImproperlyConfigured(
            f"DATABASE_WORK_MEM must be a size such as 32MB or 512kB, not {WORK_MEM!r}."
        )
    session = {"statement_timeout": STATEMENT_TIMEOUT or None, "work_mem": WORK_MEM or None}
    if any(session.values()):
        DATABASES["default"]["OPTIONS"]["options"] = " ".join(
            f"-c {name}={value}" for name, value in session.items() if value
        )

# The page cache (pagecache/__init__.py) and anything else cached. Every process that serves pages
# or writes content (gunicorn's workers, the development server, a management command importing an
# archive) must see the others' invalidations, so the cache is shared: Redis when REDIS_URL is set
# (several app servers), else files under CACHE_DIR (the processes of one machine). Beside it, each
# process keeps copies of the pages it serves in memory ("local"); whether a copy is still current
# is decided by the shared cache.
REDIS_URL = os.environ.get("REDIS_URL", "")
# Keys carry the database's identity, so that pages of one database never answer for another that
# shares the cache (a benchmark database, a second site on the same Redis).
CACHE_KEY_PREFIX = (
    os.environ.get("CACHE_KEY_PREFIX")
    or hashlib.sha256("{HOST}:{PORT}/{NAME}".format_map(DATABASES["default"]).encode()).hexdigest()[:12]
)
CACHE_MAX_ENTRIES = env_int("CACHE_MAX_ENTRIES", default=5_000)
LOCAL_CACHE = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "OPTIONS": {"MAX_ENTRIES": CACHE_MAX_ENTRIES},
}
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.ReusingRedisCache",  # Django's, one client per pool
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
        },
        "local": LOCAL_CACHE,
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": os.environ.get("CACHE_DIR") or BASE_DIR / "cache",
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "OPTIONS": {"MAX_ENTRIES": CACHE_MAX_ENTRIES},
        },
        "local": LOCAL_CACHE,
    }
# How long a public page may stay stored (seconds). Changes invalidate it at once whatever this is;
# the limit only bounds the memory of pages nobody asks for. 0 turns the page cache off.
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", default=24 * 3600)
# How long a reader's browser, or a CDN, may reuse a public page without asking (pagecache).
BROWSER_CACHE_SECONDS = env_int("BROWSER_CACHE_SECONDS", default=60)

# Work done after a request, by the task worker (`manage.py run_worker`, started beside the web
# server by `make run` and `make serve`): Django's Tasks framework with its queue in this database
# (django-tasks-db), so a task is enqueued in the same transaction as the write that asks for it and
# nothing new needs running. docs/tasks.md.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Enqueued whenever a task worker starts (run_worker): what fell due while none ran, and the
# periodic tasks, which then queue their own next runs.
WORKER_START_TASKS = ["articles.derived.release_due", "alerts.tasks.schedule"]

# Email alerts (docs/alerts.md). The links in emails start with SITE_URL (no trailing slash).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
ALERTS_SCAN_SECONDS = env_int("ALERTS_SCAN_SECONDS", default=60)  # how often new pieces are matched
ALERTS_DIGEST_HOUR = env_int("ALERTS_DIGEST_HOUR", default=7)  # Mondays, in TIME_ZONE
ALERTS_SENDERS = env_int("ALERTS_SENDERS", default=4)  # threads sending at once, a connection each
# Follow requests an address (a client's IP) may make an hour, and confirmations an email address
# may be sent a day.
ALERTS_FOLLOWS_PER_HOUR = env_int("ALERTS_FOLLOWS_PER_HOUR", default=10)
ALERTS_CONFIRMATIONS_PER_DAY = env_int("ALERTS_CONFIRMATIONS_PER_DAY", default=3)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Expert Opinions <alerts@localhost>")
# Email (Django's MAILERS): SMTP to EMAIL_HOST; without one, the console in development (make
# run shows the emails in its output) and the machine's own mail server (localhost:25) in
# production, where emails wait in the outbox while it cannot be reached.
if os.environ.get("EMAIL_HOST") or not DEBUG:
    _port = env_int("EMAIL_PORT", default=587 if os.environ.get("EMAIL_HOST") else 25)
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ.get("EMAIL_HOST") or "localhost",
                "port": _port,
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", default=_port == 587),
                "use_ssl": env_bool("EMAIL_USE_SSL", default=_port == 465),
                "timeout": env_int("EMAIL_TIMEOUT", default=30),
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out login before checking it
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The languages of the site: of its interface (translations in locale/<code>/LC_MESSAGES/django.po,
# compiled by `make`) and of its articles. A third language is a line here and a .po file.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Русский")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Each language's Snowball stemmer, by the name PostgreSQL's text search configuration and
# PyStemmer share (a language without one is searched word for word, PostgreSQL's "simple").
SEARCH_STEMMERS = {"en": "english", "ru": "russian"}
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")  # the site's: its dates, years and weeks
# The editorial desk's (the admin's): times shown and typed there ("Publish at", the schedule) are in
# it, stored in UTC like every time (config.middleware.DeskTimeZoneMiddleware).
DESK_TIME_ZONE = os.environ.get("DESK_TIME_ZONE", TIME_ZONE)
FORMAT_MODULE_PATH = ["config.formats"]  # one way of writing dates, on the site and in the admin
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Files browsers ask for at the site's root (favicon.ico, apple-touch-icon.png, the web manifest and
# its icons): served there by WhiteNoise, as they are.
WHITENOISE_ROOT = BASE_DIR / "static" / "root"
WHITENOISE_MIMETYPES = {".webmanifest": "application/manifest+json"}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or BASE_DIR / "media")

# Uploaded files (portraits, lead images, pictures in bodies): on one machine, files under MEDIA_ROOT
# that the app serves itself under /media/ (config.media); with several app servers, an S3-compatible
# object store that every server writes to and readers fetch from directly (django-storages, installed
# by requirements-s3.txt), chosen by setting MEDIA_S3_BUCKET. See docs/deployment.md.
MEDIA_S3_BUCKET = os.environ.get("MEDIA_S3_BUCKET", "")
MEDIA_ORIGINS = []  # where readers' browsers fetch uploaded files from, besides this site (the CSP)
if MEDIA_S3_BUCKET:
    from urllib.parse import urlsplit

    MEDIA_S3_ENDPOINT_URL = os.environ.get("MEDIA_S3_ENDPOINT_URL") or None  # any S3-compatible store
    MEDIA_S3_CUSTOM_DOMAIN = os.environ.get("MEDIA_S3_CUSTOM_DOMAIN") or None  # a CDN in front of it
    MEDIA_S3_REGION = os.environ.get("MEDIA_S3_REGION") or None
    MEDIA_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": MEDIA_S3_BUCKET,
            "endpoint_url": MEDIA_S3_ENDPOINT_URL,
            "region_name": MEDIA_S3_REGION,
            "custom_domain": MEDIA_S3_CUSTOM_DOMAIN,
            "location": os.environ.get("MEDIA_S3_PREFIX", "media"),
            # Credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, read by boto3 itself.
            "querystring_auth": False,  # public files at stable addresses, which pages can be cached with
            "file_overwrite": False,  # a new upload never replaces a file some page still shows
            "object_parameters": {"CacheControl": "public, max-age=86400"},
        },
    }
    if MEDIA_S3_CUSTOM_DOMAIN:
        MEDIA_ORIGINS = [f"https://{MEDIA_S3_CUSTOM_DOMAIN}"]
    elif MEDIA_S3_ENDPOINT_URL:
        endpoint = urlsplit(MEDIA_S3_ENDPOINT_URL)
        MEDIA_ORIGINS = [f"{endpoint.scheme}://{endpoint.netloc}"]
    else:
        MEDIA_ORIGINS = [f"https://{MEDIA_S3_BUCKET}.s3.amazonaws.com", "https://*.amazonaws.com"]
else:
    MEDIA_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}

STORAGES = {
    "default": MEDIA_STORAGE,
    # Hashed, compressed names in production; plain files while developing so that
    # runserver and the tests need no collectstatic.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# The JSON API (/api/): anonymous and read-only, published content only (docs/api.md).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],  # no sessions: staff see in the API what readers see
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "articles.pagination.ApiPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Expert Opinions API",
    "DESCRIPTION": "Read-only access to the published expert opinions, experts and topics. "
    "Field names are stable; see docs/api.md.",
    "VERSION": "1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Without deep links: each operation's address would be a link inside its button (nested controls).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    "SCHEMA_PATH_PREFIX": "/api/",
}

# Security. Production (DEBUG off) is secure by default; each setting can be relaxed by its variable
# for a deployment behind a proxy that terminates TLS (set SECURE_PROXY_SSL_HEADER=true there, so
# that Django trusts X-Forwarded-Proto from it, or SECURE_SSL_REDIRECT=false if the proxy redirects).
# PLAIN_HTTP: this server is reached over plain HTTP with no TLS in front (`make serve` on this
# machine's loopback). It turns off only the redirect to https, which could not be followed; cookies
# stay Secure (browsers keep Secure cookies from http://localhost and http://127.0.0.1, and from no
# other plain-HTTP site) and HSTS stays on (sent only over HTTPS). The server announces it on start.
PLAIN_HTTP = env_bool("PLAIN_HTTP", default=False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not (DEBUG or PLAIN_HTTP))
if env_bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])

# Images in rich text may come from these origins besides our own (comma-separated list in the
# environment, e.g. "https://images.example.org"); the sanitiser and the CSP both read it.
RICHTEXT_IMAGE_ORIGINS = env_list("RICHTEXT_IMAGE_ORIGINS", default=[])

# A strict Content-Security-Policy on every response: nothing inline, nothing from elsewhere.
# The article body's editor (articles.editorial.body_editor): django-prose-editor's configurable preset,
# keeping to the CSP (static/admin/js/article-editor.js).
DJANGO_PROSE_EDITOR_PRESETS = {
    "article": [
        Script("django_prose_editor/editor.js", type="module"),
        Script("admin/js/article-editor.js", type="module"),
    ]
}

# The public pages need no script at all (JSON-LD is data); the admin's scripts carry nonces.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:", *MEDIA_ORIGINS, *RICHTEXT_IMAGE_ORIGINS],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Admin login lock-out (django-axes): after AXES_FAILURE_LIMIT failures from an address, whatever
# the usernames tried (one password sprayed over many accounts), or for one username from it, the
# address (or the pair) is locked for AXES_COOLOFF_HOURS; each failure and lock-out is logged. The
# address is the client's only with TRUSTED_PROXY_COUNT right behind a proxy (docs/security.md).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_HOURS", default=1)
AXES_LOCKOUT_PARAMETERS = ["ip_address", ["username", "ip_address"]]
# Behind reverse proxies every request comes from a proxy's address, and locking "username from that
# address" would lock the user out for everyone. TRUSTED_PROXY_COUNT says how many proxies of ours
# stand in front (each appends the address it was reached from to X-Forwarded-For); the client's
# address is then read from that header (config.client_ip). 0, the default: the connection's own
# address, and X-Forwarded-For is ignored (anyone can send one). See docs/security.md.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "config.client_ip.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Django's own console handler (DEBUG only) would print every line a second time through the root's.
    # django.server keeps its handler (the development server's request lines) and does not propagate.
    # Sign-in failures and lock-outs are warnings; django-axes's housekeeping is not worth a line.
    # A refusal (403) is one line, without the traceback Django attaches (config.logs).
    "filters": {"refusal_on_one_line": {"()": "config.logs.RefusalOnOneLine"}},
    "loggers": {
        "django": {"handlers": [], "propagate": True},
        "django.request": {"filters": ["refusal_on_one_line"]},
        "axes": {"level": "WARNING"},
    },
}
