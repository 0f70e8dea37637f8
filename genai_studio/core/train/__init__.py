"""Training: the loop (a generator of events), each model kind's step, optimizers and their saved
state, several processes and the GPU path."""
