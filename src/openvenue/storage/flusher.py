"""Flushing written groups to stable storage without the writer, or the interpreter, waiting.

Some stores split a commit in two (``RecordSink.flush_fd``): the write reaches the operating
system, and an fdatasync of one file makes everything written before it durable. The group
commit writer then only writes, and asks the ``Flusher`` for a flush after each group. Requests
and completions are counters in two eventfds:

- after each write, the writer notes the group's last sequence number and adds 1 to *requests*;
- the flush loop reads *requests* (taking every request made so far), fdatasyncs the file and
  adds the number it took to *done*;
- whoever publishes reads *done*, takes that many noted sequence numbers and advances the
  durable watermark to the last of them.

A flush covers every request it took, because each was made after its write returned; requests
that come while it runs wait for the next flush, which carries them all. The flush loop runs in
C without the GIL (``_flush_loop``), so it never waits for the event loop to let go of the
interpreter. Completions are published by a thread of this class, or, once ``publish_on(loop)``
is called, by that event loop itself: it is woken by *done* like by any socket, and no thread
needs the GIL between the disk and the acknowledgement.
"""

from __future__ import annotations

import asyncio
import errno
import os
import select
import threading
import time
from collections import deque
from collections.abc import Callable

from openvenue.storage.codec import JournalError

STOP = 1 << 40  # added to *requests* by ``close``: flush what was asked for, then end

AVAILABLE = hasattr(os, "eventfd")  # Linux; elsewhere stores commit with their own sync


def python_flush_loop(flush_fd: int, requests_fd: int, done_fd: int, stop: int) -> int:
    """The flush loop; 0 when stopped, else an errno, or -1 when the file lost its last name.

    The compiled twin in ``_flush_loop.pyx`` is the one that runs; this one runs uncompiled."""
    while True:
        try:
            count = os.eventfd_read(requests_fd)  # (retried on EINTR by Python itself)
        except OSError as error:
            return error.errno or errno.EIO
        stopping = count >= stop
        if stopping:
            count -= stop
        if count:
            try:
                if os.fstat(flush_fd).st_nlink == 0:
                    return -1
                os.fdatasync(flush_fd)
                os.eventfd_write(done_fd, count)
            except OSError as error:
                return error.errno or errno.EIO
        if stopping:
            return 0


try:
    from openvenue.storage._flush_loop import flush_loop
except ImportError:  # an uncompiled install (OPENVENUE_PURE_PYTHON=1)
    flush_loop = python_flush_loop


class Flusher:
    def __init__(self, flush_fd: int, on_flushed: Callable[[int], None],
                 on_failure: Callable[[BaseException], None], *, name: str) -> None:
        """``on_flushed(seq)`` is called, in order, once everything up to ``seq`` is flushed;
        ``on_failure(error)`` once if a flush fails (nothing is flushed after it)."""
        self._fd = flush_fd
        self._on_flushed = on_flushed
        self._on_failure = on_failure
        self._requests = os.eventfd(0)  # blocking: the flush loop sleeps on it
        self._done = os.eventfd(0, os.EFD_NONBLOCK)  # read when readable, by thread or loop
        self._written: deque[int] = deque()  # a group's last seq per request, in request order
        self._publishing = threading.Lock()  # one publisher at a time: the watermark only grows
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread = 0
        self._publisher: tuple[threading.Thread, int] | None = None  # (thread, its stop pipe)
        self._switching = threading.Lock()  # moves between the loop and a publisher thread
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()
        self._start_publisher()

    def request(self, written_seq: int) -> None:
        """Flush what is written, up to ``written_seq`` (called after each group's write, in
        write order)."""
        loop = self._loop
        if loop is not None and not loop.is_running():  # it has stopped: a thread publishes
            with self._switching:
                if self._loop is loop:
                    self._leave_loop()
                    self._start_publisher()
        self._written.append(written_seq)  # noted before the request that the flush will take
        os.eventfd_write(self._requests, 1)

    def publish_on(self, loop: asyncio.AbstractEventLoop | None) -> None:
        """Publish completions on ``loop`` (call this on its thread), or again on a thread of
        this class with None."""
        with self._switching:
            if loop is self._loop or self._closed:
                return
            if self._loop is not None:
                self._loop.remove_reader(self._done)
                self._loop = None
            if loop is None:
                self._start_publisher()
                return
            self._loop = loop
            self._loop_thread = threading.get_ident()
            loop.add_reader(self._done, self._publish_done)
            self._stop_publisher(join=False)  # it may publish once more meanwhile: that is fine

    def publishes_here(self) -> bool:
        """Whether completions are published by the loop running on this thread."""
        return self._loop is not None and threading.get_ident() == self._loop_thread

    def publish_until(self, done: Callable[[], bool], timeout: float | None) -> bool:
        """On the publishing loop's thread, blocked outside the loop (a synchronous wait):
        publish completions here until ``done()`` or ``timeout``; returns ``done()``."""
        deadline = None if timeout is None else time.monotonic() + timeout
        poller = select.poll()
        poller.register(self._done, select.POLLIN)
        while not done():
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return False
            # (in slices: a failure is reported by the flush thread, not through *done*)
            poller.poll(100 if left is None else min(100, max(1, int(left * 1000))))
            self._publish_done()
        return True

    def close(self) -> None:
        """Flush everything requested, stop, and publish the last completions on this thread."""
        with self._switching:
            if self._closed:
                return
            self._closed = True
        os.eventfd_write(self._requests, STOP)
        self._thread.join()
        with self._switching:
            self._stop_publisher(join=True)
            self._leave_loop()
        self._publish_done()
        os.close(self._requests)
        os.close(self._done)

    # -- flushing and publishing -------------------------------------------------------------------

    def _run(self) -> None:
        error = flush_loop(self._fd, self._requests, self._done, STOP)
        if error == -1:
            self._on_failure(JournalError("the file being flushed lost its name: it is no "
                                          "longer the store's file"))
        elif error:
            self._on_failure(OSError(error, os.strerror(error)))

    def _publish_done(self) -> None:
        with self._publishing:
            try:
                count = os.eventfd_read(self._done)
            except BlockingIOError:  # another publisher took it
                return
            written = self._written
            for _ in range(count - 1):
                written.popleft()
            self._on_flushed(written.popleft())

    def _start_publisher(self) -> None:
        stop_r, stop_w = os.pipe()
        thread = threading.Thread(target=self._publish_in_thread, args=(stop_r,),
                                  name=f"{self._thread.name}-publish", daemon=True)
        self._publisher = (thread, stop_w)
        thread.start()

    def _publish_in_thread(self, stop_r: int) -> None:
        poller = select.poll()  # (not select: a busy server's descriptors pass 1024)
        poller.register(self._done, select.POLLIN)
        poller.register(stop_r, select.POLLIN)
        try:
            while True:
                ready = {fd for fd, _ in poller.poll()}
                if stop_r in ready:
                    return
                self._publish_done()
        finally:
            os.close(stop_r)

    def _stop_publisher(self, *, join: bool) -> None:
        if self._publisher is None:
            return
        thread, stop_w = self._publisher
        self._publisher = None
        os.write(stop_w, b"x")
        os.close(stop_w)
        if join:
            thread.join()

    def _leave_loop(self) -> None:
        """Take *done* off the loop before it is closed: from another thread, on the loop's
        turn (a loop must not watch a closed descriptor)."""
        loop, self._loop = self._loop, None
        if loop is None or loop.is_closed():
            return
        if threading.get_ident() == self._loop_thread or not loop.is_running():
            loop.remove_reader(self._done)
            return
        removed = threading.Event()

        def remove() -> None:
            loop.remove_reader(self._done)
            removed.set()

        try:
            loop.call_soon_threadsafe(remove)
        except RuntimeError:  # closed meanwhile
            return
        removed.wait(5)
