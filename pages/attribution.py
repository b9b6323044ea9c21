"""Attribution: where in the image the prediction comes from. Grad-CAM, saliency, SmoothGrad and
occlusion for one image and class, overlaid on the image; two runs side by side."""

from ui.views import attribution

attribution.render()
