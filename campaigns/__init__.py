"""Campaigns and their ticket types (flexible JSONB attributes), analytics, live availability."""
