"""The WSGI entry point: ``gunicorn wsgi:app``."""

from coop import create_app

app = create_app()
