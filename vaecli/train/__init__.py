"""Training: the GradientTape loop, its compiled steps, devices and precision, early stopping, progress and signals."""
