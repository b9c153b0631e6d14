"""phi's quantum read from plateaus: found where phi moves in steps, never elsewhere."""

import numpy as np

from gradcheck.numeric.quantum import Recorder

STEPS = [2.0**-k for k in range(4, 20)]


def recorded(phi):
    recorder = Recorder(lambda t: (phi(t), t))
    for step in STEPS:
        recorder(step), recorder(-step)
    return recorder


def test_a_phi_on_a_lattice_of_quanta_shows_its_quantum():
    quantum = 2.0**-40
    recorder = recorded(lambda t: np.floor((0.3 + 1e-9 * t) / quantum) * quantum)
    assert recorder.quantum(np.floor(0.3 / quantum) * quantum) == quantum


def test_a_smooth_phi_and_the_flat_side_of_a_kink_show_none():
    assert recorded(lambda t: np.sin(1.0 + t)).quantum(np.sin(1.0)) == 0.0
    assert recorded(lambda t: max(t, 0.0)).quantum(0.0) == 0.0  # flat side = phi(0)
    assert recorded(lambda t: 0.0).quantum(0.0) == 0.0  # a dead unit: flat everywhere


def test_a_step_asked_again_costs_no_call():
    calls = []
    recorder = Recorder(lambda t: (calls.append(t) or t * t, t))
    assert recorder(0.5) == recorder(0.5) == (0.25, 0.5)
    assert calls == [0.5]
