"""Steering a model by what its images look like: image measures (slant, thickness, hue...),
the genes found from them and kept with the model, and breeding variations from parents."""
