"""Taking work out: grids, animations and sheets written with their provenance, the gallery of what
was exported, and restoring a session from an exported image."""
