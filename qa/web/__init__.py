"""The web layer: the Flask app factory, JSON API v1 and the search page."""

from qa.web.app import create_app

__all__ = ["create_app"]
