"""The OpenAPI 3 document of the public API."""
