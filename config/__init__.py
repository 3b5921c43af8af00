"""Project configuration: settings, URLs, ASGI and Celery apps, cross-cutting plumbing."""

from config.celery import app as celery_app

__all__ = ("celery_app",)
