"""Door validation: scans, multi-entry tickets, offline bundles and sync, manager access."""
