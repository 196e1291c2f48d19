"""Background jobs: inline by default, on RQ workers when ``REDIS_URL`` is set.

A job is a plain function given plain arguments (ids, not rows), so that it runs
the same in this process or in a worker on another host.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app


def enqueue(job: Callable, *args, timeout_s: int | None = None, **kwargs) -> None:
    """Run ``job`` now (no Redis configured) or hand it to the RQ queue.

    ``timeout_s``: how long a worker lets the job run before stopping it (RQ's default, 180 s, when ``None``).
    """
    redis_url = current_app.config.get("REDIS_URL")
    if not redis_url:
        job(*args, **kwargs)
        return
    from redis import Redis
    from rq import Queue

    queue = Queue(current_app.config["RQ_QUEUE"], connection=Redis.from_url(redis_url))
    queue.enqueue_call(job, args=args, kwargs=kwargs, timeout=timeout_s)
