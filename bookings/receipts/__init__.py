"""Receipts of paid bookings and credit notes of their refunds: numbers, content, PDFs."""
