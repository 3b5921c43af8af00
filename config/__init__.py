"""Project configuration: settings, URLs, the ASGI and Celery apps. It wires the apps and holds
no code of its own: shared plumbing lives in core/."""

from config.celery import app as celery_app

__all__ = ("celery_app",)
