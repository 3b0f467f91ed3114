"""Background runs: a SQLite store, the JobService the pages call, and process-pool executors."""

