"""gunicorn settings for `make run`, read from the same settings table as the app."""

from qa import settings as _settings

_values = _settings.from_env()
bind = f"{_values['HOST']}:{_values['PORT']}"
workers = _values["WORKERS"]
worker_class = "sync"
accesslog = None  # the app writes its own structured access log
