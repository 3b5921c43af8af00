"""Access to the configured session store, shared by web sessions and API tokens."""

from importlib import import_module

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase


def session_store(session_key: str | None = None) -> SessionBase:
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)
