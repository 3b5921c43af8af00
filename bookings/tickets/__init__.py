"""Issued tickets: encrypted QR tokens and their re-issue, PDFs, the tickets e-mail, their API
and the customer's tickets page."""
