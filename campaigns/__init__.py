"""Campaigns and their ticket types (flexible JSONB attributes), view counts, live availability."""
