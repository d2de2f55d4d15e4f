# Compiler declarations for validation.py (see setup.py).
cimport cython


cpdef object on_grid(value, step, off_grid, invalid, what)


cdef class _GridCache:
    cdef public object step, off_grid, invalid, what
    cdef public dict known

    cpdef object units(self, value)


cdef class OrderGrid:
    cdef public object instrument, min_lots
    cdef public bint is_fund, trading
    cdef public _GridCache lots, ticks, stop_ticks


cpdef check_client_order_id(str client_order_id)

@cython.locals(ch=cython.Py_UCS4)
cdef bint _printable(str text)


@cython.locals(grid=OrderGrid)
cpdef tuple validate_place(cmd, OrderGrid grid, now_ns, tuple fields=*)
