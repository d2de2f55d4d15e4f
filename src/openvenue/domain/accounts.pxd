# Compiler declarations for accounts.py (see setup.py): the permission rules as C functions.

cpdef bint may_trade(user, account_id)
cpdef bint may_read(user, account_id)
