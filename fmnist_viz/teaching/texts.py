"""Teaching text shown beside each view of the app, written for a first-time CNN student."""

from __future__ import annotations

from dataclasses import dataclass

from fmnist_viz.teaching.concept import Concept
from fmnist_viz.teaching.texts_seeing import SEEING_CONCEPTS, SEEING_INTROS

__all__ = [
    "CONCEPTS",
    "PAGE_INTROS",
    "PRESET_STORIES",
    "STUDY_SUMMARY",
    "Concept",
    "PresetStory",
    "concept",
]


@dataclass(frozen=True)
class PresetStory:
    """What one of the study's architectures is and how it differs from the others."""

    key: str
    title: str
    one_line: str
    story: str


_CONCEPT_LIST: tuple[Concept, ...] = (
    Concept(
        key="kernel",
        title="Kernel",
        summary="A tiny grid of learned weights that scans the image looking for one pattern.",
        body=(
            "Think of a kernel as a small stencil of numbers, for example 3×3, that the network "
            "learns during training. It is laid on the top-left corner of the image, each pixel "
            "beneath it is multiplied by the matching number, and the products are added into one "
            "value. Then it shifts one pixel to the right and repeats, row after row, until the "
            "whole picture is covered. A kernel with positive weights on one side and negative on "
            "the other gives big values wherever brightness changes, which is how edge detectors "
            "appear on their own."
        ),
        see_it="Kernels page",
    ),
    Concept(
        key="feature_map",
        title="Feature map",
        summary="The image one filter produces: where in the input its pattern was found.",
        body=(
            "A convolution layer holds many kernels (filters), and each one sweeps the input on "
            "its own, so a layer with 32 filters outputs 32 new images stacked together. Each of "
            "these images is a feature map: bright where that filter's pattern occurs, dark "
            "elsewhere. Early layers tend to map simple things such as edges and outlines, while "
            "deeper layers combine them into parts like collars, soles or handles."
        ),
        see_it="Feature maps page",
    ),
    Concept(
        key="padding",
        title="Padding ('same')",
        summary="A frame of zeros that lets the kernel reach edge pixels, so the size is kept.",
        body=(
            "A 3×3 kernel cannot be centred on a border pixel without hanging off the picture, so "
            "without help every convolution would shrink its output a little. With "
            "`padding='same'` Keras surrounds the input with just enough zeros that the output "
            "has the same height and width: a 28×28 image gives 28×28 feature maps. Edge pixels "
            "are then examined as often as pixels in the middle."
        ),
        see_it="Feature maps page",
    ),
    Concept(
        key="relu",
        title="ReLU",
        summary="ReLU(x) = max(0, x): positive responses pass, negative ones become zero.",
        body=(
            "After a convolution, every value of a feature map goes through `ReLU(x) = max(0, x)`. "
            "A response of 2.7 stays 2.7, while −1.4 becomes 0, so only the places where the "
            "filter really matched stay visible. Its slope is simply 1 for positive inputs and 0 "
            "for negative ones, which makes it almost free to compute. Unlike a sigmoid, whose "
            "slope fades towards zero for large inputs, ReLU keeps gradients strong, so deeper "
            "networks still learn quickly."
        ),
        see_it="ReLU page",
    ),
    Concept(
        key="max_pooling",
        title="Max pooling",
        summary="Shrink a feature map by keeping only the strongest value of each 2×2 block.",
        body=(
            "Max pooling cuts every feature map into non-overlapping 2×2 tiles and keeps the "
            "largest of the four numbers in each tile. A 28×28 map becomes 14×14, leaving four "
            "times fewer values for the next layer. Since only the peak survives, it no longer "
            "matters exactly where inside the tile a pattern fired, which makes the network more "
            "tolerant of small shifts and less inclined to memorise pixel details."
        ),
        see_it="Feature maps page",
    ),
    Concept(
        key="dropout",
        title="Dropout",
        summary="While training, silence a random fraction p of units so none can be relied on.",
        body=(
            "On every training step, each unit of a dropout layer is set to zero with probability "
            "p (the study uses 0.3 and 0.5), and a fresh random set is picked on the next step. "
            "The surviving units are multiplied by `1/(1−p)`, so with p = 0.3 they are scaled by "
            "about 1.43 and the layer's average output does not change. At evaluation and "
            "prediction time dropout is switched off and every unit takes part. Because no unit "
            "can count on its neighbours being present, the network learns sturdier, redundant "
            "features and over-fits less, but a very large p discards too much to learn well."
        ),
        see_it="Dropout page",
    ),
    Concept(
        key="flatten",
        title="Flatten",
        summary="Unroll all the feature maps into a single long list of numbers.",
        body=(
            "Dense layers expect a plain vector, not a stack of small images. Flatten reads every "
            "value of every feature map into one list: in Model 1 the last pooling leaves 64 maps "
            "of 7×7, which become 7 × 7 × 64 = 3,136 numbers. It has no weights and learns "
            "nothing; it only changes the shape."
        ),
        see_it="Train page (architecture summary)",
    ),
    Concept(
        key="dense",
        title="Dense layer",
        summary="Every input is wired to every output, each connection with its own weight.",
        body=(
            "Each of the 256 units of the dense layer takes a weighted sum of all 3,136 flattened "
            "values, adds a bias and applies ReLU. That is 3,136 × 256 + 256 = 803,072 weights, "
            "almost all of Model 1's parameters. The convolution layers find local patterns; the "
            "dense layer weighs them together into evidence for whole garments, such as long "
            "straps plus a boxy shape pointing to a bag."
        ),
        see_it="Train page (architecture summary)",
    ),
    Concept(
        key="softmax",
        title="Softmax",
        summary="Turn the 10 final scores into probabilities that add up to 1.",
        body=(
            "The last layer has one output per class, 10 in all, and its raw scores can have any "
            "size or sign. Softmax computes `p_i = exp(z_i) / Σ_j exp(z_j)`, which makes every "
            "value positive and the ten of them sum to exactly 1, so they read as the model's "
            "confidence in each class. The prediction is the class with the highest probability, "
            "and training pushes the probability of the correct class towards 1."
        ),
        see_it="Evaluate page",
    ),
    Concept(
        key="overfitting",
        title="Over-fitting",
        summary="The model memorises its training images instead of learning what carries over.",
        body=(
            "A model over-fits when it keeps improving on the images it trains on while getting "
            "no better, or even worse, on images it has never seen. You spot it by drawing "
            "training and validation accuracy on the same axes: the curves start together and "
            "then drift apart, and the gap (train − validation) measures how bad it is. In the "
            "study, Model 1 reached about 95 % training accuracy but only about 92 % on the test "
            "set, a wider gap than Model 2's. Dropout, pooling and keeping the best epoch are the "
            "usual remedies."
        ),
        see_it="Compare page",
    ),
    Concept(
        key="validation",
        title="Validation set",
        summary="Images held back from training and used to judge the model while it trains.",
        body=(
            "The 60,000 Fashion-MNIST training images are split: the first 5,000 are kept aside "
            "for validation and the model learns only from the remaining 55,000. After every "
            "epoch it is scored on the validation images, which it never learns from, giving an "
            "honest estimate of how it copes with new pictures. The separate 10,000-image test "
            "set is used only once, at the very end, so picking the best epoch cannot flatter the "
            "final figure."
        ),
        see_it="Train page",
    ),
    Concept(
        key="checkpoint",
        title="Checkpoint",
        summary="Save the weights of the epoch with the lowest validation loss and use those.",
        body=(
            "With a fixed 10 epochs, the last epoch is not necessarily the best one; the model may "
            "already be over-fitting by then. A checkpoint watches the validation loss after each "
            "epoch and saves the weights whenever that loss reaches a new low. When training "
            "ends, the saved weights are reloaded, and that version of the model is the one "
            "scored on the test set."
        ),
        see_it="Train page",
    ),
)

CONCEPTS: dict[str, Concept] = {c.key: c for c in _CONCEPT_LIST + SEEING_CONCEPTS}


def concept(key: str) -> Concept:
    """Return the concept for key, or raise KeyError naming the valid keys."""
    try:
        return CONCEPTS[key]
    except KeyError:
        valid = ", ".join(CONCEPTS)
        raise KeyError(f"unknown concept {key!r}; valid keys: {valid}") from None


_PRESET_LIST: tuple[PresetStory, ...] = (
    PresetStory(
        key="original",
        title="Original",
        one_line="The tutorial starting point: filters shrink from 64 to 32, dropout everywhere.",
        story=(
            "Two convolution blocks use 2×2 kernels, first with 64 filters and then with 32, and "
            "each block ends with 2×2 max pooling and a dropout of 0.3. After Flatten come a "
            "256-unit dense layer, a heavier dropout of 0.5 and the 10-way softmax. With 412,778 "
            "trainable parameters it is the smallest of the three, because only 32 maps reach the "
            "dense layer. The study reports no test accuracy for it; it is the baseline that "
            "Model 1 and Model 2 were derived from."
        ),
    ),
    PresetStory(
        key="model1",
        title="Model 1",
        one_line="Filters grow from 32 to 64, with a single dropout near the output.",
        story=(
            "Model 1 reverses the order: first 32 filters with 3×3 kernels, then 64 filters with "
            "2×2 kernels, each followed by 2×2 max pooling. Its only dropout (p = 0.3) sits "
            "between the 256-unit dense layer and the softmax, so nothing is dropped in the "
            "convolution part. Because 64 maps reach Flatten, the dense layer is large and the "
            "model has 814,218 parameters. Over 10 runs it averaged 0.91957 test accuracy, but "
            "its training accuracy climbed to about 95 %, a clear sign of over-fitting."
        ),
    ),
    PresetStory(
        key="model2",
        title="Model 2",
        one_line="Model 1 plus one more dropout (p = 0.3) right before Flatten.",
        story=(
            "Model 2 matches Model 1 except for one extra dropout layer (p = 0.3) after the "
            "second pooling, just before Flatten. It randomly hides parts of the feature maps "
            "that feed the big dense layer, so that layer cannot lean on a few exact positions. "
            "Dropout has no weights, so the count stays at 814,218 parameters. It averaged "
            "0.92147 test accuracy over 10 runs, slightly above Model 1, while its training "
            "accuracy stayed near 93 to 94 %: a narrower train–test gap and generalisation at "
            "least as good."
        ),
    ),
)

PRESET_STORIES: dict[str, PresetStory] = {p.key: p for p in _PRESET_LIST}

PAGE_INTROS: dict[str, str] = {
    "home": (
        "Train small convolutional networks on Fashion-MNIST and look inside them layer by layer. "
        "Start on the Train page with the Model 1 preset, then visit the other pages to see what "
        "it learned."
    ),
    "train": (
        "Pick a preset (Original, Model 1 or Model 2) or build your own network, then train it "
        "and watch the loss and accuracy curves grow batch by batch, with validation points "
        "after every epoch. Try the quick demo first to see how fast your machine is."
    ),
    "runs": (
        "Every training run is kept here with its settings, curves and test accuracy. Select "
        "one or more runs and make them active: the other pages show what is inside them."
    ),
    "feature_maps": (
        "Choose a test image and a layer to see what every filter of that layer responds to. "
        "Start with the first convolution on a sneaker or a pair of trousers: bright areas are "
        "where a filter's pattern was found."
    ),
    "kernels": (
        "Shows the learned weights of each first-layer filter as a small coloured grid, positive "
        "and negative in different colours. Compare a trained model with an untrained one to see "
        "structure appear."
    ),
    "relu": (
        "Shows a feature map before and after ReLU, so you can watch negative responses being "
        "set to zero. Pick a filter with many negative values to see how much of the map goes "
        "dark."
    ),
    "dropout": (
        "Drops a random fraction p of a layer's units and rescales the survivors by 1/(1−p). "
        "Press Re-sample or change the seed to see that each training step silences a "
        "different set, and try MC dropout to see how unsure the model is about one image."
    ),
    "compare": (
        "Puts the learning curves of two models side by side, with the train − validation gap "
        "and a significance test on their test accuracies. Start with Model 1 against Model 2, "
        "several runs each."
    ),
    "evaluate": (
        "Scores a trained model on the 10,000 test images, class by class, and shows the "
        "pictures it gets wrong. Look at which classes it mixes up; shirts and T-shirts are the "
        "classic pair."
    ),
    **SEEING_INTROS,
}

STUDY_SUMMARY: str = (
    "The study behind this app trained small Keras CNNs on Fashion-MNIST to find out which layout "
    "generalises best. Each model learned from 55,000 training images, was monitored on 5,000 "
    "validation images and was finally scored on the 10,000 held-out test images. Training used "
    "Adam, batches of 64 and 10 epochs, kept the weights from the epoch with the lowest "
    "validation loss, and each model was trained from scratch 10 times. Averaged over those "
    "runs, Model 1 reached 0.91957 and Model 2 0.92147 test accuracy: nearly the same, but Model "
    "2 showed a smaller gap between training and test accuracy."
)
