"""WSGI entry point for any server: `gunicorn wsgi:app`."""

from qa.web import create_app

app = create_app()
