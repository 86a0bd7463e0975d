"""The public HTTP app: the JSON API and its OpenAPI document, OAI-PMH, IIIF, caching and security headers."""
