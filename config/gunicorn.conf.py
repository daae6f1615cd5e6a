"""gunicorn, as `make serve` and a deployment run it: `gunicorn -c config/gunicorn.conf.py config.wsgi`.

Every value can be overridden from the environment (GUNICORN_CMD_ARGS, or the variables below).
"""

import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
# Pages are CPU-bound Python: about two workers a core keeps the cores busy while one waits on
# the database. WEB_CONCURRENCY is the usual way platforms set it.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
timeout = 30  # a request that takes longer is a bug or a stuck database: the worker is replaced
graceful_timeout = 30
max_requests = 2000  # recycle workers now and then, so that a slow leak can never grow for ever
max_requests_jitter = 200
accesslog = os.environ.get("ACCESS_LOG", "-")
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
