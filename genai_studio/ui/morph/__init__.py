"""The morph strip between two anchors."""
