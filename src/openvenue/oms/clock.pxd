# Compiler declarations for clock.py (see setup.py): the clocks as extension types, so that the
# reading the order manager takes before every command is a C method.

cdef class WallClock:
    cdef object _last

    cpdef object now_ns(self)


cdef class ManualClock:
    cdef object _now

    cpdef object now_ns(self)


cdef class SandboxClock:
    cdef public object offset_ns
    cdef object _frozen_at, _last

    cpdef object now_ns(self)
