"""Figures and animations: pure drawing (arrays -> matplotlib Figures, frames) and a run's files drawn from its model."""
