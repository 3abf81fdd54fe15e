"""Work that runs after Slack has been answered: Web API calls never sit on the acknowledgement path."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait

log = logging.getLogger(__name__)


class Background:
    def __init__(self, workers: int = 8) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="after-ack")
        self._pending: set[Future[None]] = set()
        self._lock = threading.Lock()

    def submit(self, fn: Callable[..., object], *args: object, **kwargs: object) -> None:
        def run() -> None:
            try:
                fn(*args, **kwargs)
            except Exception:  # noqa: BLE001  (logged; a failed follow-up must not kill the pool)
                log.exception("background task %s failed", getattr(fn, "__name__", fn))

        future = self._pool.submit(run)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._forget)

    def _forget(self, future: Future[None]) -> None:
        with self._lock:
            self._pending.discard(future)

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait for the work submitted so far; True when all of it finished."""
        with self._lock:
            pending = set(self._pending)
        done, not_done = wait(pending, timeout=timeout)
        return not not_done

    def shutdown(self, timeout: float = 10.0) -> None:
        self.drain(timeout)
        self._pool.shutdown(wait=False, cancel_futures=True)
