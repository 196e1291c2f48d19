"""gunicorn's settings for Coop: ``gunicorn -c gunicorn.conf.py`` (the Dockerfile's command).

The environment chooses the rest, as gunicorn reads it: ``PORT`` (listen on
0.0.0.0:$PORT instead of the address below) and ``WEB_CONCURRENCY`` (worker
processes, default 1 per container: scale with more containers, or raise it on a
bigger host). The app's own settings are in ``coop/config.py``.
"""

wsgi_app = "wsgi:app"
bind = ["0.0.0.0:8000"]
# Rendering an RFP's PDF or reading a 20,000-row spreadsheet takes seconds; award rounds run on the RQ workers.
timeout = 60
graceful_timeout = 30

# Every log record, the app's and gunicorn's, as one JSON object per line on standard error.
_JSON_ON_STDERR = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {"stderr": _JSON_ON_STDERR},
    "root": {"level": "INFO", "handlers": ["stderr"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
        # Off: the app logs every request itself, with the signed-in user and without the query string's values,
        # which may be tokens (coop/request_log.py); gunicorn's access line would repeat it, values included.
        "gunicorn.access": {"handlers": [], "propagate": False},
    },
}
