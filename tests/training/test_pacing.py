"""Several batches per call (Keras steps_per_execution): states exactly every K batches,
progress once per call, a Stop honoured within one call, and the same numbers as one batch
per call."""

from __future__ import annotations

import pytest

from fmnist_viz.training import ConfigError, Pacing, TrainConfig, plan_pacing
from fmnist_viz.training import protocol as training
from tests.arch_support import TINY_SPEC
from tests.training.test_protocol import DATA, STEPS, Recorder, same_weights


@pytest.mark.parametrize(
    ("steps", "batch", "per_call", "every", "expected"),
    [
        (860, 64, None, None, Pacing(8, 216)),  # the study's protocol: a state every 216
        (79, 64, None, None, Pacing(8, 24)),  # the quick demo: 13 states as before
        (6, 64, None, None, Pacing(2, 2)),  # a short epoch keeps its quarter-epoch states
        (860, 64, None, 0, Pacing(8, 0)),  # epoch ends only
        (860, 64, None, 215, Pacing(5, 215)),  # an explicit K is kept; calls divide it
        (860, 64, None, 7, Pacing(7, 7)),
        (860, 256, None, 0, Pacing(2, 0)),  # about 512 images per call
        (3438, 16, None, 0, Pacing(16, 0)),  # at most 16 by default
        (860, 64, 1, None, Pacing(1, 215)),  # one per call: the quarter epoch as before
        (860, 64, 32, 100, Pacing(25, 100)),
    ],
)
def test_plan_pacing(steps, batch, per_call, every, expected) -> None:
    assert plan_pacing(steps, batch, per_call, every) == expected
    assert expected.state_every % expected.steps_per_call == 0


def test_a_heavy_model_gets_fewer_batches_per_call() -> None:
    from fmnist_viz.models import check_spec, preset
    from fmnist_viz.training.budget import training_flops

    flops = training_flops(check_spec(preset("model1")).rows)
    assert 15e6 < flops < 17e6  # about 16 MFLOP per training image
    assert plan_pacing(860, 64, flops_per_sample=flops) == Pacing(8, 216)
    assert plan_pacing(860, 64, flops_per_sample=4 * flops) == Pacing(2, 216)
    assert plan_pacing(860, 64, flops_per_sample=100 * flops) == Pacing(1, 215)
    assert plan_pacing(860, 64, 8, flops_per_sample=100 * flops) == Pacing(8, 216)  # asked for


def test_steps_per_call_is_checked() -> None:
    with pytest.raises(ConfigError, match="steps per call"):
        TrainConfig(steps_per_call=0).check()
    with pytest.raises(ConfigError, match="steps per call"):
        TrainConfig(steps_per_call=65).check()


def _run(config: TrainConfig, stop=None):
    rec = Recorder()
    kwargs = {"should_stop": stop} if stop is not None else {}
    return training.train(TINY_SPEC, config, DATA, [rec], **kwargs), rec


@pytest.mark.slow
def test_states_every_k_batches_and_progress_once_per_call() -> None:
    result, rec = _run(TrainConfig(epochs=2, seed=7, state_every=4, steps_per_call=4))
    (info,) = rec.starts
    assert (info.steps_per_call, info.state_every, STEPS) == (4, 4, 9)
    assert [s.step for s, _, _ in rec.states] == [0, 4, 8, 9, 13, 17, 18]
    # one progress per call: after 4, 8 and the short last call's 9 batches
    assert [(p.epoch, p.batch) for p in rec.batches] == [
        (1, 4), (1, 8), (1, 9), (2, 4), (2, 8), (2, 9)
    ]  # fmt: skip
    assert rec.batches[-1].fraction == 1 and result.status == "finished"
    # the same training, one batch per call: the same states and weights, bit for bit
    one, rec1 = _run(TrainConfig(epochs=2, seed=7, state_every=4, steps_per_call=1))
    assert [s.step for s, _, _ in rec1.states] == [s.step for s, _, _ in rec.states]
    for (_, conv, weights), (_, conv1, weights1) in zip(rec.states, rec1.states, strict=True):
        assert same_weights(list(conv.values()), list(conv1.values()))
        assert same_weights(weights, weights1)
    assert same_weights(result.model.get_weights(), one.model.get_weights())
    assert [r.val_loss for r in result.history] == [r.val_loss for r in one.history]


@pytest.mark.slow
def test_a_stop_is_honoured_within_one_call() -> None:
    asked = {"n": 0}
    # asked once before training, before every call (3 per epoch) and after every epoch:
    # yes before the 2nd call of epoch 2, so that call (batches 5-8) is the last one
    first_yes = 1 + 3 + 1 + 2

    def should_stop() -> bool:
        asked["n"] += 1
        return asked["n"] >= first_yes

    result, rec = _run(TrainConfig(epochs=5, seed=1, steps_per_call=4, state_every=0), should_stop)
    assert result.status == "stopped"
    assert asked["n"] == first_yes
    assert [(p.epoch, p.batch) for p in rec.batches][-2:] == [(2, 4), (2, 8)]
    assert [r.epoch for r in result.history] == [1]
