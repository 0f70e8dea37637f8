"""How good a model is: the judge's scores, likelihoods, the quick quality readout and the judge's
cached statistics."""
