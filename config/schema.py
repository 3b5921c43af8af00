"""OpenAPI additions: nested list limits, and the endpoints that are not DRF views (allauth's
token login, /health)."""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import is_list_serializer

PROVIDER_TOKEN_PATH = "/_allauth/app/v1/auth/provider/token"


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's, also showing the bounds of nested lists (`many=True` serializers),
    which it leaves out, as `minItems` and `maxItems`."""

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if schema and is_list_serializer(field):
            if field.max_length is not None:
                schema["maxItems"] = field.max_length
            min_items = max(field.min_length or 0, 0 if field.allow_empty else 1)
            if min_items:
                schema["minItems"] = min_items
        return schema


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
