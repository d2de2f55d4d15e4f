# Compiler declarations for outcome.py (see setup.py).
from openvenue.domain.orders cimport Order


cdef class Outcome:
    cdef public list events
    cdef public Order order
    cdef public object reason, results, text
