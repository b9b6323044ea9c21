"""Teaching text for the pages on what the network sees: Attribution, Filters, Embeddings.

Merged into `fmnist_viz.teaching.texts.CONCEPTS` and `PAGE_INTROS`; kept apart because these methods
come with their own warnings: each body says what the method measures and how it can mislead.
"""

from __future__ import annotations

from fmnist_viz.teaching.concept import Concept

SEEING_CONCEPTS: tuple[Concept, ...] = (
    Concept(
        key="grad_cam",
        title="Grad-CAM",
        summary="Which regions of a conv layer's maps pushed the score of one class up.",
        body=(
            "Grad-CAM takes one convolution layer, asks how much the class score would change if "
            "each of its channels grew a little (the gradient, averaged over the map), and adds "
            "the layer's maps weighted by those amounts. Only the positive part is kept and it is "
            "stretched back to 28×28. Its strength is that it is class-specific: the map for "
            "'Sneaker' and the map for 'Sandal' differ. How it misleads: it is as coarse as the "
            "layer (a 7×7 layer gives 4×4-pixel blobs, so sharp edges cannot show), it only sees "
            "what that layer contributes, and a bright blob says *where* evidence was found, not "
            "*what* the evidence was."
        ),
        see_it="Attribution page",
    ),
    Concept(
        key="saliency",
        title="Saliency and SmoothGrad",
        summary="How strongly the class score reacts to a tiny change of each pixel.",
        body=(
            "A saliency map is the gradient of the class score with respect to the input pixels: "
            "bright pixels are those whose small change would move the score most. Raw gradients "
            "are noisy, so SmoothGrad averages the maps of many copies of the image with a little "
            "random noise added, which keeps what is stable. How it misleads: a gradient is "
            "local, it says what would change the score, not what caused it; taken of the "
            "probability, gradients vanish when the model is sure (this app takes them of the "
            "score before softmax, where they do not); and some saliency maps look like an edge "
            "detector whatever the model learned, so compare with the random start."
        ),
        see_it="Attribution page",
    ),
    Concept(
        key="occlusion",
        title="Occlusion",
        summary="Hide one patch at a time and see how much the class probability drops.",
        body=(
            "Occlusion slides a small grey or black square over the image, one position at a "
            "time, and runs the model on every covered copy. Where hiding the patch makes the "
            "probability of the class fall, that part of the image mattered. It needs no "
            "gradients and is easy to trust, because it is an experiment on the model. How it "
            "misleads: the result depends on the patch size and the fill value (a black patch on "
            "a black background hides nothing), a feature that appears twice survives the hiding "
            "of either copy, and the covered image is unlike any training image."
        ),
        see_it="Attribution page",
    ),
    Concept(
        key="top_images",
        title="Top-activating images",
        summary="The test images on which one filter responds most strongly.",
        body=(
            "Each filter gives one feature map per image; its strongest value says how well the "
            "filter's pattern was found somewhere in that image. Sorting all 10,000 test images "
            "by that value and keeping the first nine shows what the filter responds to in real "
            "clothes. The outlined square is the receptive field of the strongest position: the "
            "only pixels that value could see. How it misleads: nine images are a small sample, "
            "the strongest responses can come from a rare pattern, and a filter that fires on "
            "one class may still be doing something general, such as detecting a long edge."
        ),
        see_it="Filters page",
    ),
    Concept(
        key="activation_max",
        title="Activation maximisation",
        summary="An image made from noise so that one filter responds as much as it can.",
        body=(
            "Start from a faint random image and change its pixels, step by step, in the "
            "direction that raises one filter's mean response (gradient ascent; negative "
            "responses count a tenth, else a first-layer filter only learns to want a flat "
            "bright or dark image). Small random "
            "shifts (jitter) and a little blur at every step keep the result from turning into "
            "high-frequency noise that no real image contains. The picture shows the filter's "
            "ideal input. How it misleads: it is one of many images that excite the filter, the "
            "regularisation decides part of its look, and the filter may never meet such a "
            "pattern in a real photograph: read it together with the top images."
        ),
        see_it="Filters page",
    ),
    Concept(
        key="embedding",
        title="Embeddings and projections",
        summary="Each image becomes a point; similar images should land close together.",
        body=(
            "At every stage the network holds a long list of numbers per image: 784 pixels at "
            "the start, thousands of feature-map values after a conv block, 256 in the dense "
            "layer. Seen as points in that space, images of the same class should gather. To "
            "look at them they are projected to two dimensions: PCA keeps the directions with "
            "most variance (a faithful but crowded view), t-SNE keeps each point's nearest "
            "neighbours together. How it misleads: t-SNE distances between clusters and cluster "
            "sizes mean little, another seed can give another picture, and two classes that "
            "overlap on the screen may still be apart in the full space."
        ),
        see_it="Embeddings page",
    ),
    Concept(
        key="separability",
        title="Separability",
        summary="How well the classes can be told apart from one stage's numbers alone.",
        body=(
            "A simple way to measure it: classify each image by the classes of its nearest "
            "neighbours (k-NN) among the other images, using only that stage's representation, "
            "and count how often that is right. On raw pixels Fashion-MNIST is already "
            "about 80 % separable this way; each layer of a trained network should raise the "
            "score, and the output layer is close to the test accuracy. How it misleads: k-NN "
            "depends on the distance and on k, and a high score on a sample of 2,000 images is an "
            "estimate, not a guarantee."
        ),
        see_it="Embeddings page",
    ),
)

SEEING_INTROS: dict[str, str] = {
    "attribution": (
        "Where in the image did the network look? Grad-CAM, saliency and occlusion each answer "
        "in their own way for the chosen image and class. Compare the methods, then compare two "
        "runs on the same image: where they agree, the answer is more likely to be real."
    ),
    "filters": (
        "What does each filter look for? For every filter of a conv layer: the test images that "
        "excite it most, with the patch it saw outlined, and an image grown from noise to "
        "excite it. Pick one filter to see its kernel and which classes it fires on."
    ),
    "embeddings": (
        "How do the classes come apart? Every test image becomes a point at each stage of the "
        "network, from raw pixels to the output. Watch the clusters form layer by layer, and "
        "the separability score climb."
    ),
}
