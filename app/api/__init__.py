"""The JSON API under /api/v1: bearer API keys, JSON errors, an OpenAPI document."""
