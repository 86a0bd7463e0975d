"""The Jinja environment the publisher renders with: dict lookups and the inlined frame links."""
