"""Networks (Keras 3 subclassed) and objectives (pure loss functions)."""
