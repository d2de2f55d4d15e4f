"""The flush loop, compiled and plain, against real files: it flushes what was requested by the
time it starts, reports how many requests each flush took, and stops or fails cleanly."""

from __future__ import annotations

import asyncio
import errno
import os
import threading

import pytest

from openvenue.storage import flusher

try:
    from openvenue.storage._flush_loop import flush_loop as compiled_flush_loop
except ImportError:  # the plain-Python install
    compiled_flush_loop = None

LOOPS = [pytest.param(flusher.python_flush_loop, id="python"),
         pytest.param(compiled_flush_loop, id="compiled", marks=pytest.mark.skipif(
             compiled_flush_loop is None, reason="a plain-Python install has no compiled loop"))]


@pytest.fixture
def fds(tmp_path):
    target = os.open(tmp_path / "wal", os.O_RDWR | os.O_CREAT)
    requests, done = os.eventfd(0), os.eventfd(0, os.EFD_NONBLOCK)
    yield target, requests, done
    for fd in (target, requests, done):
        os.close(fd)


def run(loop, fds) -> tuple[threading.Thread, list[int]]:
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(loop(*fds, flusher.STOP)))
    thread.start()
    return thread, result


@pytest.mark.parametrize("loop", LOOPS)
def test_each_flush_reports_the_requests_it_took_and_stop_flushes_the_rest(loop, fds):
    _, requests, done = fds
    os.eventfd_write(requests, 3)  # three groups written before the loop first looks
    thread, result = run(loop, fds)
    os.eventfd_write(requests, 2 + flusher.STOP)  # two more, then stop
    thread.join(10)
    assert result == [0] and os.eventfd_read(done) == 5


@pytest.mark.parametrize("loop", LOOPS)
def test_a_file_that_lost_its_name_is_not_flushed(loop, fds, tmp_path):
    _, requests, done = fds
    os.unlink(tmp_path / "wal")  # what SQLite removing or replacing the WAL would leave us
    thread, result = run(loop, fds)
    os.eventfd_write(requests, 1)
    thread.join(10)
    assert result == [-1]
    with pytest.raises(BlockingIOError):
        os.eventfd_read(done)  # nothing is reported flushed


@pytest.mark.parametrize("loop", LOOPS)
def test_a_failing_flush_ends_the_loop_with_its_errno(loop, tmp_path):
    read_end, write_end = os.pipe()  # a pipe cannot be fdatasynced
    requests, done = os.eventfd(0), os.eventfd(0, os.EFD_NONBLOCK)
    try:
        thread, result = run(loop, (write_end, requests, done))
        os.eventfd_write(requests, 1)
        thread.join(10)
        assert result == [errno.EINVAL]
    finally:
        for fd in (read_end, write_end, requests, done):
            os.close(fd)


def test_flushes_are_published_in_order_across_a_move_to_a_loop_and_at_close(tmp_path):
    target = os.open(tmp_path / "wal", os.O_RDWR | os.O_CREAT)
    published: list[tuple[int, int]] = []
    failures: list[BaseException] = []
    f = flusher.Flusher(target, lambda seq: published.append((threading.get_ident(), seq)),
                        failures.append, name="test-flush")
    try:
        f.request(10)  # published by the flusher's own thread
        while not published:
            threading.Event().wait(0.001)

        async def on_loop():
            f.publish_on(asyncio.get_running_loop())
            f.request(20)
            while published[-1][1] < 20:
                await asyncio.sleep(0.001)
            f.publish_on(None)  # back to a thread before the loop goes

        asyncio.run(on_loop())
        f.request(30)
    finally:
        f.close()  # flushes 30 and publishes it here, if its thread had not yet
        os.close(target)
    assert [seq for _, seq in published] == [10, 20, 30] and not failures
    assert published[1][0] == threading.get_ident()  # 20: by the loop, on this thread
    assert published[0][0] != threading.get_ident()


def test_once_its_loop_has_stopped_a_thread_publishes_again(tmp_path):
    target = os.open(tmp_path / "wal", os.O_RDWR | os.O_CREAT)
    published: list[int] = []
    f = flusher.Flusher(target, published.append, print, name="test-flush")
    try:
        async def on_loop():
            f.publish_on(asyncio.get_running_loop())

        asyncio.run(on_loop())  # the loop ends without handing publication back
        f.request(7)
        for _ in range(10_000):
            if published:
                break
            threading.Event().wait(0.001)
        assert published == [7]
    finally:
        f.close()
        os.close(target)
