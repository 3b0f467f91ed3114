"""Background runs: a SQLite store, the JobService the pages call, and process-pool executors."""

from .service import JobService, LimitError, NotAllowed, NotFound, get_service  # noqa: F401
