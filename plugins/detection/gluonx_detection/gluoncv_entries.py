"""Registry records of gluoncv's detectors (data only: lazy "module:attr" factories; imports nothing heavy).

Called from the plugin's ``register_models`` and ``register_tasks`` hooks. gluoncv's detectors compute their
training losses inside the network (YOLOv3), need ground truth in the forward pass (Faster R-CNN) or predict
heat maps (CenterNet), so they do not fit the multibox ``detection`` task: they are registered under the
non-trainable ``detection-inference`` task (images in, detections out).
"""
from gluonx import InputSpec

_ZOO = "gluonx_detection.models.gluoncv_zoo:"
INFERENCE_TASK = "detection-inference"


def _images(batch, size, **kwargs):
    return InputSpec((batch, 3, size, size), name="images", **kwargs)


def register_gluoncv_tasks(registry):
    """The task of detectors used as they are: images -> (boxes, scores, class_ids); not trained here."""
    registry.register(INFERENCE_TASK, "gluonx.tasks.base:Task", primary_metric="loss", trainable=False,
                      book_section="D2L 9.7",
                      description="detectors that take images and return (boxes, scores, class_ids) with their "
                                  "own decoding and NMS; trained outside gluonx (gluoncv's training scripts)")


def register_gluoncv_models(registry):
    """gluoncv's SSD, YOLOv3, Faster R-CNN and CenterNet, randomly initialized, small example inputs."""
    common = dict(task=INFERENCE_TASK, extra="detection")
    registry.register(
        "gluoncv_ssd", _ZOO + "gluoncv_ssd", book_section="D2L 9.7",
        description="gluoncv's SSD on MobileNet x0.25 (ssd_300_mobilenet0_25_custom, random init): images -> "
                    "(boxes in input pixels, scores, class_ids) after per-class NMS (ONNX through the plugin's "
                    "per-class box_nms converter)",
        kwargs={"num_classes": 3, "calibration_size": 64}, inputs=[_images(2, 64)], onnx=True, **common)
    registry.register(
        "gluoncv_yolo3", _ZOO + "gluoncv_yolo3", book_section="D2L 9.7",
        description="gluoncv's YOLOv3 on MobileNet x0.25 (yolo3_mobilenet0_25_custom, random init): images "
                    "(sides multiples of 32) -> (boxes in input pixels, scores, class_ids) after per-class NMS "
                    "(ONNX through the plugin's per-class box_nms converter; onnxruntime's box coordinates differ from "
                    "MXNet's by up to 1e-2 pixel, its scores by ~1e-5: float32 rounding through the 50-layer body "
                    "and exp box decoding)",
        kwargs={"num_classes": 3, "calibration_size": 64}, inputs=[_images(2, 64)], onnx=True, rtol=1e-3,
        atol=1e-2, **common)
    registry.register(
        "gluoncv_faster_rcnn", _ZOO + "gluoncv_faster_rcnn", book_section="D2L 9.8.3",
        description="gluoncv's Faster R-CNN on ResNet-18 v1b (RoIAlign, random init): one image -> (boxes in "
                    "input pixels, scores, class_ids) after per-class NMS; gluoncv's Faster R-CNN "
                    "infers batch 1 only",
        kwargs={"num_classes": 3, "rpn_test_post_nms": 16, "nms_topk": 8, "calibration_size": 64}, inputs=[_images(1, 64)],
        dynamic_batch=False, onnx=True, **common)
    registry.register(
        "gluoncv_center_net", _ZOO + "gluoncv_center_net", book_section="D2L 9.7",
        description="gluoncv's CenterNet on ResNet-18 v1b with deconvolutions (random init): images -> (boxes "
                    "in input pixels, scores, class_ids) from the top-k heat-map peaks (no NMS); batches of up to "
                    "256 images (gluoncv's decoder indexes the batch with arange(256))",
        kwargs={"num_classes": 3, "topk": 20, "calibration_size": 64}, inputs=[_images(2, 64)], onnx=True,
        **common)
