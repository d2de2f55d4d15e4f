cimport cython

# Compiler declarations for orders.py (see setup.py): Order as an extension type, so the engine
# and the OMS read and write its fields as C struct members. Integers stay Python ints (object):
# price times quantity exceeds 64 bits long before any validation limit does.

cdef class Order:
    cdef public object id, account_id, user_id
    cdef public object instrument, client_order_id
    cdef public object side, type, time_in_force
    cdef public object quantity, price, stop_price, cash_amount
    cdef public bint post_only
    cdef public object stp, expire_ns, session_id
    cdef public bint is_buy
    cdef public object status, previous_status
    cdef public object filled, leaves, notional, fees
    cdef public object created_ns, updated_ns, canceled_ns
    cdef public object done_reason
    cdef public bint on_book, triggered, sent_to_fund
    cdef public object replaced_by, replaces, settled_ns
    cdef public Order prev, next

    cpdef transition(self, to)
    cpdef restore(self)
    cpdef record_fill(self)


@cython.locals(order=Order)
cpdef Order accepted_order(id, account_id, user_id, instrument, client_order_id, side, order_type,
                           time_in_force, quantity, price, stop_price, cash_amount, bint post_only,
                           stp, expire_ns, session_id, bint is_buy, ts)
