"""The one ASGI app a process serves: the public web app with the staff app mounted at /staff."""
