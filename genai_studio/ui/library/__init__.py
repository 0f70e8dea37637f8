"""The library: shipped and own models, their scores, and the artist's datasets."""
