# cython: language_level=3
"""``storage.flusher.flush_loop`` in C: the same loop, statement for statement, run without the
GIL from start to end.

A Python thread doing the same needs the GIL back after every system call, and under load the
event loop holds it: each flush would wait for the loop to let go before it could report, and
again before the next could start. This one never waits for the interpreter.
"""

from libc.errno cimport EINTR, errno
from libc.stdint cimport uint64_t
from posix.stat cimport fstat, struct_stat
from posix.unistd cimport fdatasync, read, write


def flush_loop(int flush_fd, int requests_fd, int done_fd, uint64_t stop) -> int:
    cdef uint64_t count = 0
    cdef bint stopping = False
    cdef int error = 0
    cdef struct_stat status
    with nogil:
        while not stopping:
            if read(requests_fd, &count, 8) != 8:
                if errno == EINTR:
                    continue
                error = errno
                break
            if count >= stop:
                stopping = True
                count -= stop
            if count == 0:
                continue
            if fstat(flush_fd, &status) != 0:
                error = errno
                break
            if status.st_nlink == 0:
                error = -1
                break
            if fdatasync(flush_fd) != 0:
                error = errno
                break
            if write(done_fd, &count, 8) != 8:
                error = errno
                break
    return error
