"""`vae bench`: what training costs here, measured.

run.py        the benchmark: candidates interleaved epoch by epoch, images/s, share of the matmul rate, memory
candidates.py what it times (vaecli, the tutorial loop, Keydana's eager loop, the PyTorch peer) and their FLOPs
layers.py     per-layer forward+backward times, plain and in block form
tutorial.py   TensorFlow's CVAE tutorial loop: its training steps, and its whole epoch (test ELBO, 4x4 figure)
whole_epoch.py  `vae train`'s whole epochs in parts beside the tutorial's (`vae bench steps=false`: these alone)
sweep_speedup.py  serial vs joblib sweeps of the same jobs (`vae bench sweep.jobs=N`)
study.py      a small study run whole, per launcher and precision (`vae bench study.models=[...]`)
precision_ab.py  mixed bfloat16 against float32 over seeds (`python -m vaecli.bench.precision_ab --out DIR`)
time_to_quality.py  the time-to-quality table (`vae bench time_to_quality=[DIR ...]`)
startup.py    where a short `vae` process spends its time (`python -m vaecli.bench.startup train ...`)
torch_peer.py the PyTorch peer, torch and numpy only (`python -m vaecli.bench.torch_peer --device cuda`)

This file imports nothing, so the PyTorch peer runs where TensorFlow is not installed.
"""
