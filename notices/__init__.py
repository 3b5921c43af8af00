"""Notices to customers by e-mail: a campaign's cancellation, a completed refund, the reminder
before the start, and the seller's messages to a campaign's buyers; each sent exactly once."""
