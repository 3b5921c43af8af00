"""Promo and access codes: the seller's management of them and their use at booking."""
