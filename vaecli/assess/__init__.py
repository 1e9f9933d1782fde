"""Assessing a finished run (`vae eval`, and the end of `vae train`): a peer of vaecli/train/.

It loads the run's data and model, computes the pure metrics of vaecli/evaluate/, draws the figures of
vaecli/visual/, writes metrics.json and logs to the tracker.
"""
