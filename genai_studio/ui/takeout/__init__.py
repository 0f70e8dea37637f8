"""Taking work out and bringing it back: the export dialog, exports, the gallery and reopening an
exported image."""
