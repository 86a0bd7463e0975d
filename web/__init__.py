"""The static site build and the Starlette application."""
