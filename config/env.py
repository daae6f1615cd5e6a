"""Strict readers of environment variables, for the settings and for gunicorn's configuration
alike (so that both read a variable the same way): a value that cannot be parsed stops start-up
with a message naming the variable."""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from dotenv import load_dotenv

# A .env file at the project root, for local development; real environment variables win.
load_dotenv(Path(__file__).resolve().parent.parent / ".env")

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def env_bool(name, default):
    """A boolean variable; anything but a known true or false word is an error."""
    value = os.environ.get(name)
    if value is None:
        return default
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name} must be one of true/false, yes/no, on/off, 1/0; got {value!r}.")


def env_int(name, default):
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {value!r}.") from None


def env_list(name, default):
    """A comma-separated list variable; blanks are dropped."""
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]
