"""Open-data exports: Open SDG CSV + metadata (more formats join as they land)."""
