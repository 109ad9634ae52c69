"""The OpenAPI document: each API module adds its paths and schemas here."""

from __future__ import annotations

from typing import Any

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
    """Register one operation; 401 and 403 answers are added for authenticated ones."""
    operation.setdefault("responses", {})
    if operation.get("security", True) != []:
        operation["responses"].setdefault("401", error_response("Missing or invalid API key"))
        operation["responses"].setdefault("403", error_response("Role not allowed"))
    PATHS.setdefault(path, {})[method.lower()] = operation


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
        "security": [{"bearer": []}],
        "paths": PATHS,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": SCHEMAS,
        },
    }
