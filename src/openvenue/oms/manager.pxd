# Compiler declarations for manager.py (see setup.py): the order manager as an extension type,
# its hot paths as C-callable methods with the orders, books and indexes they touch typed.
cimport cython

from openvenue.domain.accounts cimport Access
from openvenue.domain.orders cimport Order, accepted_order
from openvenue.engine.matching cimport MatchingEngine
from openvenue.oms.book_keeping cimport AccountOrders, OrderIndex
from openvenue.oms.clock cimport VenueClock
from openvenue.oms.outcome cimport Outcome, outcome_of
from openvenue.oms.validation cimport OrderGrid, validate_place


cdef class OrderManager:
    cdef readonly object clock  # fixed for the manager's life: _now_ns is its bound now_ns
    cdef VenueClock _venue_clock
    cdef object _now_ns
    cdef public object ids, fund_desk, fund_schedule, _fund_due_ns
    cdef public MatchingEngine engine
    cdef public OrderIndex index
    cdef public dict instruments, instruments_by_id, grids, clients, accounts, users, access, fills
    cdef public object seq, next_order_id, next_trade_id
    cdef public list timers
    cdef public dict pending_cancels, _fee_rates
    cdef public object archive
    cdef public list _listeners, _events
    cdef public object _ts
    cdef public dict _handlers

    @cython.locals(clock=VenueClock)
    cpdef object _begin(self)
    cpdef Outcome _publish(self, Outcome outcome)
    cpdef object _next_seq(self)

    @cython.locals(grid=OrderGrid, order=Order, existing=Order, fields=tuple)
    cpdef Outcome place(self, cmd)

    @cython.locals(existing=Order, account=AccountOrders)
    cpdef tuple _vet_place(self, cmd, tuple fields, Access access, ts)

    @cython.locals(order=Order)
    cpdef Order new_order(self, oid, account_id, user_id, instrument, coid, side, typ, tif, lots,
                          price, stop, cash, post_only, stp, expire, session_id, is_buy, ts)

    cpdef _route(self, Order order, bint is_fund)
    cpdef Outcome _reject_place(self, cmd, reason, text)

    cpdef on_trade(self, Order taker, Order maker, price, quantity)
    cpdef on_canceled(self, Order order, quantity, reason)
    cpdef record_fill(self, fill)
    cpdef _closed(self, Order order)
    cpdef _finish_canceled(self, Order order, released, reason)

    @cython.locals(order=Order)
    cpdef Outcome cancel(self, cmd)

    @cython.locals(order=Order, account=AccountOrders, access=Access)
    cpdef object _find(self, user_id, order_id, account_id, client_order_id)

    cpdef _cancel_now(self, Order order, reason)
    cpdef Outcome _reject_cancel(self, cmd, reason, Order order=*)


cpdef object _cancel_refusal(Order order)
cpdef object _leaves_after(Order order, quantity)
cpdef bint _same_request(Order order, cmd, lots, price, stop, cash)
