# Compiler declarations for book.py (see setup.py).
cimport cython

from openvenue.domain.orders cimport Order


cdef class PriceLevel:
    cdef public object price, qty
    cdef public Py_ssize_t count
    cdef public Order head, tail


cdef class BookSide:
    cdef public object sign
    cdef public dict levels
    cdef public list keys

    @cython.locals(level=PriceLevel, tail=Order)
    cpdef add(self, Order order)

    @cython.locals(level=PriceLevel, prev=Order, nxt=Order)
    cpdef remove(self, Order order)

    cpdef _drop_level(self, key)


cdef class OrderBook:
    cdef public object instrument, last_price
    cdef public BookSide bids, asks
