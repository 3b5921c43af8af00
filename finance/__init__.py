"""Seller money: ledger, balances, withdrawal methods, payouts, reports."""
