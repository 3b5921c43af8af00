"""Waiting lists of sold-out ticket types and the offers that hand released seats on.

A sub-package of bookings because every release of seats (hold expiry, cancellation, refund)
happens in bookings' services, which must turn those seats into offers in the same
transaction; campaigns, below bookings, cannot call up into it (see services.py for how a
capacity increase reaches the list).
"""
