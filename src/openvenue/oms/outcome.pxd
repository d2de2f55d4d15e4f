# Compiler declarations for outcome.py (see setup.py).
cimport cython

from openvenue.domain.orders cimport Order


cdef class Outcome:
    cdef public list events
    cdef public Order order
    cdef public object reason, results, text


@cython.locals(outcome=Outcome)
cpdef Outcome outcome_of(list events, Order order)
