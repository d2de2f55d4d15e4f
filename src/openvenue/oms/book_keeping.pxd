# Compiler declarations for book_keeping.py (see setup.py).
cimport cython

from openvenue.domain.orders cimport Order


cdef class AccountOrders:
    cdef public list orders
    cdef public dict open, by_client_order_id


cdef class OrderIndex:
    cdef public dict orders, accounts, sessions

    cpdef AccountOrders account(self, account_id)

    @cython.locals(account=AccountOrders)
    cpdef add(self, Order order)

    cpdef close(self, Order order)
