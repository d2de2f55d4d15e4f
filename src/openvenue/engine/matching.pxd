# Compiler declarations for matching.py (see setup.py).
cimport cython

from openvenue.domain.orders cimport Order
from openvenue.engine.book cimport BookSide, OrderBook, PriceLevel


cdef class _StopBook:
    cdef public object buys, sells


cdef class MatchingEngine:
    cdef public object sink
    cdef public dict books, stops

    @cython.locals(book=OrderBook, last_before=object)
    cpdef submit(self, Order order)

    cpdef cancel(self, Order order)

    @cython.locals(book=OrderBook, side=BookSide)
    cpdef reduce(self, Order order, new_leaves)

    @cython.locals(book=OrderBook)
    cpdef unlink(self, Order order)

    @cython.locals(opposite=BookSide, market=bint)
    cpdef _execute(self, OrderBook book, Order order)

    @cython.locals(level=PriceLevel, maker=Order, nxt=Order, check_stp=bint)
    cpdef _match(self, OrderBook book, Order taker, BookSide opposite, limit_key)

    cpdef _prevent_self_trade(self, BookSide opposite, PriceLevel level, Order taker, Order maker)

    cpdef _cancel_resting(self, BookSide side, Order order)

    cpdef _cancel_remainder(self, Order order, reason)


@cython.locals(level=PriceLevel, maker=Order)
cpdef bint _can_fill(Order order, BookSide opposite, limit_key)
