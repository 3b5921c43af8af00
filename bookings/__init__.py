"""Holds and bookings, their sales analytics, and the tickets they issue (bookings/tickets/)."""
