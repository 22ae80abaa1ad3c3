"""Work that stops when its client has gone.

``run_while_connected(request, fn, *args)`` runs ``fn`` (pure Python, CPU-bound: an assessment) in
a thread of its own and polls ``request.is_disconnected()``. When the client has gone, or the
request is cancelled (the server shutting down past its grace period), the thread is stopped: a
``ClientGone`` exception is raised inside it at its next bytecode (CPython's
PyThreadState_SetAsyncExc), so the engine stops without having to know about requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import anyio
from starlette.requests import Request

log = logging.getLogger(__name__)

T = TypeVar("T")

POLL_SECONDS = 0.05


class ClientGone(Exception):
    """Raised inside the worker thread to stop work nobody is waiting for."""


class Worker:
    """One call of ``fn`` in its own daemon thread, stoppable from outside."""

    def __init__(self, fn: Callable[..., T], *args: Any, on_done: Callable[[], None] = lambda: None) -> None:
        self.fn, self.args, self.on_done = fn, args, on_done
        self.done = threading.Event()
        self.lock = threading.Lock()
        self.result: Any = None
        self.error: BaseException | None = None
        self.stopped = False
        self.thread = threading.Thread(target=self._run, name="biopolicy-work", daemon=True)

    def _run(self) -> None:
        try:
            try:
                self.result = self.fn(*self.args)
            except BaseException as exc:  # handed to the waiting request (or dropped when stopped)
                self.error = exc
            finally:
                with self.lock:
                    self.done.set()
                self.on_done()
        except ClientGone:  # arrived after fn returned: nothing left to stop
            pass

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> bool:
        """Stops the thread if it is still working; True if it was."""
        with self.lock:
            if self.done.is_set() or self.thread.ident is None:
                return False
            self.stopped = True
            ctypes.pythonapi.PyThreadState_SetAsyncExc(
                ctypes.c_ulong(self.thread.ident), ctypes.py_object(ClientGone)
            )
            return True


async def run_while_connected(request: Request, fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` in a worker thread; stopped when the client disconnects or the request is
    cancelled. Returns its result or raises its exception."""
    loop = asyncio.get_running_loop()
    finished = asyncio.Event()

    def wake() -> None:
        with contextlib.suppress(RuntimeError):  # the loop is closed: the request is long gone
            loop.call_soon_threadsafe(finished.set)

    worker = Worker(fn, *args, on_done=wake)
    worker.start()
    try:
        while not worker.done.is_set():
            with anyio.move_on_after(POLL_SECONDS):
                await finished.wait()
            if not worker.done.is_set() and await request.is_disconnected():
                if worker.stop():
                    log.info("client gone: stopped the work of %s %s", request.method, request.url.path)
                raise ClientGone
    except BaseException:
        worker.stop()  # cancelled (shutdown) or the client went: the work stops too
        raise
    if worker.error is not None:
        raise worker.error
    return worker.result
