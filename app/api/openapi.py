"""The OpenAPI document: each API module adds its paths and schemas here."""

from __future__ import annotations

import copy
from typing import Any

from app.api.links import response_links

BEARER = [{"bearer": []}]
PATHS: dict[str, dict[str, Any]] = {}
SCHEMAS: dict[str, dict[str, Any]] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message", "fields"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "fields": {
                        "type": "object",
                        "additionalProperties": {"type": "array", "items": {"type": "string"}},
                    },
                },
            }
        },
    },
}


def error_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def document(path: str, method: str, operation: dict[str, Any]) -> None:
    """Register one operation. It needs a bearer key (and may answer 401 and 403) unless it
    says ``"security": []`` (public) or lists ``{}`` among its options (the key is optional)."""
    operation.setdefault("responses", {})
    operation.setdefault("security", BEARER)
    if operation["security"] and {} not in operation["security"]:
        operation["responses"].setdefault("401", error_response("Missing or invalid API key"))
        operation["responses"].setdefault("403", error_response("Role not allowed"))
    PATHS.setdefault(path, {})[method.lower()] = operation


def _linked_paths() -> dict[str, dict[str, Any]]:
    """The operations with the links of their answers (app/api/links.py)."""
    paths = copy.deepcopy(PATHS)
    for operations in paths.values():
        for operation in operations.values():
            responses = operation["responses"]
            for status, response in responses.items():
                links = response_links(operation["operationId"], status)
                if links:  # a new dict: answers may be shared between operations
                    responses[status] = {**response, "links": links}
    return paths


def openapi_document() -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "KOL Market API",
            "version": "1.0.0",
            "description": "Create a personal API key in Settings → API keys and send it as "
            "`Authorization: Bearer <key>`. Errors are JSON: "
            '`{"error": {"code", "message", "fields"}}`.',
        },
        "servers": [{"url": "/api/v1"}],
        "security": BEARER,
        "paths": _linked_paths(),
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": SCHEMAS,
        },
    }
