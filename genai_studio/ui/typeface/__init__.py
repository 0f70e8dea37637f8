"""Typefaces: glyph datasets from the fonts on this computer, a typeface exported from the pad's
point with a live preview, and fonts as the pad's corners."""
