# Compiler declarations for accounts.py (see setup.py): the permission rules as C functions, and
# a user's rights as an extension type the order manager checks with C calls.
cimport cython


cpdef bint may_trade(user, account_id)
cpdef bint may_read(user, account_id)

cdef bint _may_trade(bint operator, bint trading, account_ids, account_id)
cdef bint _may_read(bint operator, account_ids, account_id)


cdef class Access:
    cdef readonly object account_ids
    cdef readonly bint operator, trading

    cpdef bint may_trade(self, account_id)
    cpdef bint may_read(self, account_id)
