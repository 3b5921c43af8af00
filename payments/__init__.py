"""Payments: checkout, webhooks, reconciliation, refunds, and settling a cancelled campaign."""
