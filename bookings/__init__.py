"""Holds, bookings, tickets and their issuance, encrypted QR tokens, PDF tickets, e-mail."""
