"""The job service's refusals: one sentence each, in the reader's language (a Problem's key and
parameters, rendered when shown). Their own module: the service, its mixins, the export and the
pages all raise or catch them without importing one another."""

from __future__ import annotations

from ..i18n import Problem


class JobError(Problem):
    """A request the service refuses; the message is one sentence for the UI, in its language."""


class NotFound(JobError):
    pass


class NotAllowed(JobError):
    pass


class LimitError(JobError):
    pass
