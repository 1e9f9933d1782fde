"""Evaluation of a finished run: metrics as functions of arrays, disentanglement, the reference classifier."""
