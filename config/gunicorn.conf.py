"""gunicorn, as `make serve` and a deployment run it: `gunicorn -c config/gunicorn.conf.py config.wsgi`.

Every value can be overridden from the environment (GUNICORN_CMD_ARGS, or the variables below).
"""

import multiprocessing
import os

from config.env import env_bool
from config.memory import freeze_loaded_objects

bind = os.environ.get("BIND", "127.0.0.1:8000")
# Pages are CPU-bound Python: about two workers a core keeps the cores busy while one waits on
# the database. WEB_CONCURRENCY is the usual way platforms set it.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
timeout = 30  # a request that takes longer is a bug or a stuck database: the worker is replaced
graceful_timeout = 30
# Recycle workers now and then, so that a slow leak can never grow for ever; rarely: at 500
# requests a second, 2,000 restarted every worker every few seconds (90 boots in one short run).
max_requests = int(os.environ.get("MAX_REQUESTS", 200_000))
max_requests_jitter = max_requests // 10
# No access log unless asked for (ACCESS_LOG=- for standard output): the proxy in front keeps one,
# and writing a line per cached page cost a good part of its time.
accesslog = os.environ.get("ACCESS_LOG") or None
# The served site's guard against a statement holding a worker (config/settings.py).
os.environ.setdefault("DATABASE_STATEMENT_TIMEOUT", "5000")
# One setting decides whether a proxy's headers are believed, for Django and gunicorn alike:
# SECURE_PROXY_SSL_HEADER. Off, gunicorn believes no X-Forwarded-Proto either (by default it took one
# from 127.0.0.1, so any local client could make the site's links https); on, it takes them from the
# proxies FORWARDED_ALLOW_IPS names (gunicorn's own variable), the proxy on this machine by default.
if env_bool("SECURE_PROXY_SSL_HEADER", default=False):
    forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
else:
    forwarded_allow_ips = ""
    secure_scheme_headers = {}
# gunicorn's control socket (for `gunicornc`) defaults to one path in the home directory, shared by
# every gunicorn of the user: a second server on the machine took it over, and stopping either removed
# the other's. Off unless GUNICORN_CONTROL_SOCKET names a path of this instance's own.
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
else:
    control_socket_disable = True


def when_ready(server):
    """Say how this server is reached when it is not the production arrangement (PLAIN_HTTP)."""
    if env_bool("PLAIN_HTTP", default=False):
        server.log.warning(
            "PLAIN_HTTP is on: serving plain HTTP with no redirect to https, for this machine only. "
            "Cookies stay Secure (browsers keep them from localhost and 127.0.0.1 only) and HSTS is "
            "sent over HTTPS. Behind a TLS proxy, unset PLAIN_HTTP (docs/deployment.md)."
        )


def post_request(worker, req, environ, resp):
    """After a worker's first request the site is loaded (its modules, and its URLs, templates and
    translations, which Django loads on first use): those objects stay for the worker's life."""
    if worker.nr == 1:
        freeze_loaded_objects()
