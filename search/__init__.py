"""The search index: built from what a viewer may see, queried by the CLI and the API."""
