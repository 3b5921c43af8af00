"""OpenAPI helpers: views that need a user while the schema is built, and the additions for
endpoints that are not DRF views (allauth's token login, /health)."""

from functools import wraps

PROVIDER_TOKEN_PATH = "/_allauth/app/v1/auth/provider/token"


def add_non_drf_paths(result, generator, request, public):
    """drf-spectacular postprocessing hook: document the mobile sign-in and the health check."""
    result["paths"][PROVIDER_TOKEN_PATH] = {
        "post": {
            "operationId": "auth_provider_token",
            "summary": "Exchange a Google ID token for a session token (mobile apps)",
            "description": (
                "Served by django-allauth headless. Send the returned `meta.session_token` "
                "as `X-Session-Token` on every API call."
            ),
            "tags": ["auth"],
            "security": [],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["provider", "process", "token"],
                            "properties": {
                                "provider": {"type": "string", "enum": ["google"]},
                                "process": {"type": "string", "enum": ["login"]},
                                "token": {
                                    "type": "object",
                                    "required": ["client_id", "id_token"],
                                    "properties": {
                                        "client_id": {"type": "string"},
                                        "id_token": {"type": "string"},
                                    },
                                },
                            },
                        }
                    }
                },
            },
            "responses": {
                "200": {
                    "description": "Signed in",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "status": {"type": "integer"},
                                    "meta": {
                                        "type": "object",
                                        "properties": {"session_token": {"type": "string"}},
                                    },
                                },
                            }
                        }
                    },
                },
                "400": {"description": "The ID token was refused"},
            },
        }
    }
    result["paths"]["/health"] = {
        "get": {
            "operationId": "health",
            "summary": "Status of the database, cache and broker",
            "tags": ["ops"],
            "security": [],
            "responses": {
                "200": {"description": "Every dependency answered"},
                "503": {"description": "At least one dependency failed; `failing` names it"},
            },
        }
    }
    return result


def needs_user(model):
    """Decorate a view's `get_queryset` that reads the signed-in user's rows. While the schema
    is generated there is no user: the view then answers an empty queryset of `model`, which
    is all drf-spectacular reads (the model's fields, the type of the path's id)."""

    def decorate(get_queryset):
        @wraps(get_queryset)
        def wrapper(view):
            if getattr(view, "swagger_fake_view", False):
                return model.objects.none()
            return get_queryset(view)

        return wrapper

    return decorate
