# Compiler declarations for clock.py (see setup.py): the clocks as extension types, so that the
# reading the order manager takes before every command is a C method.

cimport cython
from posix.time cimport CLOCK_REALTIME, clock_gettime, timespec


@cython.locals(now=timespec)
cdef long long wall_ns()


cdef class VenueClock:
    cpdef object now_ns(self)


cdef class WallClock(VenueClock):
    cdef long long _last

    @cython.locals(now=cython.longlong)
    cpdef object now_ns(self)


cdef class ManualClock(VenueClock):
    cdef object _now

    cpdef object now_ns(self)


cdef class SandboxClock(VenueClock):
    cdef public object offset_ns
    cdef object _frozen_at, _last

    cpdef object now_ns(self)
