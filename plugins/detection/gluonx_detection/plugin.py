"""Hook implementations of the detection plugin (lazy "module:attr" factories only; imports nothing heavy)."""
import gluonx
from gluonx import InputSpec

_OPS = "gluonx_detection.ops."
_BOXES = InputSpec((2, 6, 4), low=0, high=1, name="boxes")
# Centre-format boxes with positive sizes: the coders' example inputs must be valid boxes.
_CENTRE_BOXES = InputSpec((2, 6, 4), low=0.1, high=1, name="boxes_center")
_DETECTIONS = InputSpec((2, 12, 6), low=0, high=1, name="detections")


@gluonx.hookimpl
def register_blocks(registry):
    """Box operations of D2L 9.3-9.4 as blocks, checked by the conformance kit."""
    common = dict(task="detection")
    registry.register(
        "box_corner_to_center", _OPS + "box_convert:BoxCornerToCenter", book_section="D2L 9.3.1",
        description="Boxes (xmin, ymin, xmax, ymax) -> (cx, cy, w, h)", inputs=[_BOXES], onnx=True, **common)
    registry.register(
        "box_center_to_corner", _OPS + "box_convert:BoxCenterToCorner", book_section="D2L 9.3.1",
        description="Boxes (cx, cy, w, h) -> (xmin, ymin, xmax, ymax)", inputs=[_BOXES], onnx=True, **common)
    registry.register(
        "box_iou", _OPS + "iou:BoxIoU", book_section="D2L 9.4.2", kwargs={"batched": True, "portable": True},
        description="IoU (Jaccard index) of two batches of corner boxes, (B, N, 4) x (B, M, 4) -> (B, N, M)",
        inputs=[_BOXES, InputSpec((2, 5, 4), low=0, high=1, name="boxes2")], onnx=True, **common)
    registry.register(
        "anchor_generator", _OPS + "anchors:AnchorGenerator", book_section="D2L 9.4.1",
        kwargs={"sizes": (0.75, 0.5, 0.25), "ratios": (1, 2, 0.5), "portable": True},
        description="The book's anchors (sizes x ratios) for every pixel of a feature map, as MultiBoxPrior",
        inputs=[InputSpec((2, 3, 5, 6), name="feature_map")], onnx=True, **common)
    registry.register(
        "box_encoder", _OPS + "coders:BoxEncoder", book_section="D2L 9.4.3", kwargs={"box_format": "center"},
        description="Offsets of boxes from anchors with variances (0.1, 0.1, 0.2, 0.2)",
        inputs=[_CENTRE_BOXES, InputSpec((2, 6, 4), low=0.1, high=1, name="boxes")],
        onnx=True, **common)
    registry.register(
        "box_decoder", _OPS + "coders:BoxDecoder", book_section="D2L 9.4.3", kwargs={"box_format": "center"},
        description="Boxes from anchor offsets with variances (inverse of box_encoder)",
        inputs=[_CENTRE_BOXES, InputSpec((2, 6, 4), low=-1, high=1, name="offsets")], onnx=True, **common)
    registry.register(
        "anchor_assigner", _OPS + "assign:AnchorAssigner", book_section="D2L 9.4.3",
        description="Ground-truth index of every anchor: greedy matching, then IoU >= threshold (-1: background); "
                    "no ONNX: mx.onnx has no converter for _contrib_bipartite_matching (a training-time op)",
        inputs=[InputSpec((2, 20, 4), low=0, high=1, name="anchors"), InputSpec((2, 3, 4), low=0, high=1),
                InputSpec((2, 3), low=0.5, high=1, name="gt_valid")], **common)
    registry.register(
        "anchor_targets", _OPS + "assign:AnchorTargets", book_section="D2L 9.4.3", kwargs={"portable": True},
        description="Class and offset targets of anchors for padded labels, as the book's multibox_target; no ONNX: "
                    "mx.onnx has no converter for _contrib_bipartite_matching (a training-time op)",
        inputs=[InputSpec((1, 20, 4), low=0, high=1, batch_axis=None, name="anchors"),
                InputSpec((2, 3, 5), low=0, high=1, name="labels")], **common)
    registry.register(
        "box_nms", _OPS + "nms:BoxNMS", book_section="D2L 9.4.4", kwargs={"class_aware": True},
        description="Greedy non-maximum suppression of (class, score, box) rows, per class or across classes; "
                    "ONNX through the plugin's own box_nms converter (one NonMaxSuppression with a class axis)",
        inputs=[_DETECTIONS], onnx=True, **common)
    registry.register(
        "multibox_detector", _OPS + "nms:MultiBoxDetector", book_section="D2L 9.4.4", kwargs={"portable": True},
        description="Decode anchor offsets, take the best class, suppress: as MultiBoxDetection; the portable "
                    "form exports to ONNX through the plugin's box_nms converter",
        inputs=[InputSpec((2, 3, 20), low=0, high=1, name="class_probs"),
                InputSpec((2, 80), low=-1, high=1, name="offsets"),
                InputSpec((1, 20, 4), low=0, high=1, batch_axis=None, name="anchors")], onnx=True, **common)
    registry.register(
        "tiny_ssd_detector", "gluonx_detection.models.inference:tiny_ssd_detector", book_section="D2L 9.7.4",
        kwargs={"num_classes": 3, "topk": 20},
        description="TinySSD with softmax, offset decoding, class-aware NMS and top-k: images -> (boxes, scores, "
                    "class_ids); MXNet's fused MultiBoxDetection, exported to ONNX by the plugin's converter",
        inputs=[InputSpec((2, 3, 64, 64), name="images")], onnx=True, **common)
    registry.register(
        "top_k_detections", _OPS + "topk:TopKDetections", book_section="D2L 9.4.4", kwargs={"k": 4},
        description="The k best-scoring detection rows of each image", inputs=[_DETECTIONS], onnx=True, **common)
    # -- region of interest pooling (D2L 9.8) ------------------------------------------------------------
    # every column in [0, 1): batch index 0 and corners within the first feature pixels (the ops cap
    # spatial_scale at 1, and one range covers all five columns)
    roi_inputs = [InputSpec((2, 4, 3, 3), name="features"), InputSpec((5, 5), batch_axis=None, name="rois")]
    registry.register(
        "roi_pooling", _OPS + "roi:RoIPooling", book_section="D2L 9.8.2",
        kwargs={"pooled_size": (2, 3), "spatial_scale": 1.0},
        description="Fast R-CNN's RoI pooling: rounded regions (batch index, corners) cut into bins, max of each",
        inputs=roi_inputs, onnx=True, **common)
    registry.register(
        "roi_align", _OPS + "roi:RoIAlign", book_section="D2L 9.8.4",
        kwargs={"pooled_size": (2, 3), "spatial_scale": 1.0, "sample_ratio": 2},
        description="RoIAlign: unrounded regions cut into bins, mean of bilinear samples in each",
        inputs=roi_inputs, onnx=True, **common)


@gluonx.hookimpl
def register_models(registry):
    """Detectors (D2L 9.7): raw outputs ``(anchors, class_preds, box_preds)``, trained by the detection task."""
    registry.register(
        "tiny_ssd", "gluonx_detection.models.tiny_ssd:tiny_ssd", task="detection", book_section="D2L 9.7",
        description="The book's TinySSD: base network, three down-sampling blocks and a global max pool, anchors, "
                    "class and box predictors at five scales; returns (anchors, class_preds, box_preds)",
        kwargs={"num_classes": 3}, inputs=[InputSpec((2, 3, 64, 64), name="images")], onnx=True)
    registry.register(
        "ssd_resnet18", "gluonx_detection.models.ssd:ssd_resnet18", task="detection", book_section="D2L 9.7",
        description="SSD on the core's ResNet-18 layout (a quarter of its width): backbone strides 8, 16, 32, a "
                    "down-sampling block and a global max pool as five scales; returns (anchors, class_preds, "
                    "box_preds)",
        kwargs={"num_classes": 3}, inputs=[InputSpec((2, 3, 64, 64), name="images")], onnx=True)
    registry.register(
        "faster_rcnn", "gluonx_detection.models.faster_rcnn:faster_rcnn", task="faster_rcnn",
        book_section="D2L 9.8.3", kwargs={"num_classes": 3},
        description="Faster R-CNN: ResNet-18-layout backbone (stride 16), region proposal network with "
                    "class-agnostic NMS, RoIAlign, box head with per-class offsets; images -> (boxes, scores, "
                    "class_ids) after per-class NMS and top-k",
        inputs=[InputSpec((2, 3, 64, 64), name="images")], onnx=True)
    # gluoncv's SSD, YOLOv3, Faster R-CNN and CenterNet (task detection-inference)
    _register_gluoncv_models(registry)


@gluonx.hookimpl
def register_tasks(registry):
    """Multibox detection (D2L 9.7): padded labels, anchor targets, class + box loss."""
    registry.register("detection", "gluonx_detection.task:DetectionTask", primary_metric="class_error",
                      book_section="D2L 9.7",
                      description="multibox detectors returning (anchors, class_preds, box_preds); softmax "
                                  "cross-entropy (or focal) on anchors + smooth-L1 on positive offsets; class "
                                  "error and box MAE")
    registry.register("faster_rcnn", "gluonx_detection.rcnn_task:FasterRCNNTask", primary_metric="roi_class_error",
                      book_section="D2L 9.8.3",
                      description="Faster R-CNN nets (backbone, rpn, train_proposer, head): RPN objectness "
                                  "cross-entropy + smooth-L1 on sampled anchors, head softmax cross-entropy + "
                                  "per-class smooth-L1 on sampled regions; RPN error and region class error")
    _register_gluoncv_tasks(registry)


@gluonx.hookimpl
def register_metrics(registry):
    """Detection mean average precision (D2L 9.6 evaluates detectors with it)."""
    common = dict(task="detection", book_section="D2L 9.6")
    registry.register("voc07_map", "gluonx_detection.metrics.voc:VOC07MeanAP",
                      description="Pascal VOC 2007 mAP (11-point interpolated AP, IoU 0.5, difficult ignored)",
                      **common)
    registry.register("voc_map", "gluonx_detection.metrics.voc:VOCMeanAP",
                      description="Pascal VOC 2010+ mAP (area under the interpolated curve, IoU 0.5)", **common)
    registry.register("coco_map", "gluonx_detection.metrics.coco:COCOMeanAP",
                      description="COCO mAP@[.5:.95] (101-point AP averaged over 10 IoU thresholds)", **common)


@gluonx.hookimpl
def register_datasets(registry):
    """The embedded demo set and the real detection formats (D2L 9.6).

    No ``sample_shape``: samples are ``(H, W, 3)`` uint8 images with ragged ``(N, 6)`` labels, while the core
    reads ``sample_shape[0]`` as a model's input channels (channel-first); the detection task will collate.
    """
    common = dict(task="detection", book_section="D2L 9.6")
    registry.register("detection_digits", "gluonx_detection.data.digits_scenes:DigitsDetection", embedded=True,
                      extra="data", num_classes=3,
                      description="scikit-learn's digit images pasted at random scales on varied backgrounds, "
                                  "several objects per image (seeded)", **common)
    pillow = dict(requires=("PIL",), install="pip install Pillow")
    registry.register("voc_detection", "gluonx_detection.data.voc:VOCDetection",
                      description="Pascal VOC folders (Annotations/*.xml, JPEGImages, ImageSets/Main) from root",
                      **pillow, **common)
    registry.register("coco_detection", "gluonx_detection.data.coco:COCODetection",
                      description="COCO instances JSON + image folder", **pillow, **common)
    registry.register("recordio_detection", "gluonx_detection.data.recordio:RecordIODetection",
                      description="MXNet RecordIO detection .rec/.idx (or .lst + images), the book's format",
                      **common)


@gluonx.hookimpl
def register_recipes(registry):
    """TinySSD on the embedded scenes (D2L 9.7's training, adapted: see docs/detection.md)."""
    registry.register(
        "tiny_ssd-detection_digits", model="tiny_ssd", dataset="detection_digits", optimizer="adam", lr=0.005,
        wd=5e-4, epochs=8, batch_size=32, threads=2, book_section="D2L 9.7",
        description="the book's TinySSD on 1,000 128x128 digit scenes: Adam 0.005 instead of the book's SGD 0.2 "
                    "(not tried here), weight decay 5e-4 as the book, "
                    "8 epochs of batch 32; VOC07 mAP@0.5 about 0.8 on the 200 held-out scenes")
    registry.register(
        "ssd_resnet18-detection_digits", model="ssd_resnet18", dataset="detection_digits", optimizer="adam",
        lr=0.005, wd=5e-4, epochs=8, batch_size=32, threads=1, book_section="D2L 9.7",
        description="SSD on the ResNet-18 layout with TinySSD's settings (Adam 0.005, weight decay 5e-4, 8 epochs "
                    "of batch 32; not tuned for this backbone); VOC07 mAP@0.5 0.70 on the 200 held-out scenes")
    registry.register(
        "faster_rcnn-detection_digits", model="faster_rcnn", dataset="detection_digits", optimizer="adam",
        lr=0.005, wd=5e-4, epochs=8, batch_size=16, threads=1, book_section="D2L 9.8.3",
        description="Faster R-CNN with RoIAlign on the 1,000 128x128 digit scenes: Adam 0.005, weight decay 5e-4, "
                    "8 epochs of batch 16; VOC07 mAP@0.5 0.72 on the 200 held-out scenes")


@gluonx.hookimpl
def register_onnx_converters(opset):
    """ONNX converters that reproduce MXNet's detection operators (``gluonx_detection.onnx``): ``box_nms``
    per class or across classes, as MXNet runs it."""
    from gluonx_detection.onnx import register_converters
    register_converters(opset)


# --- gluoncv's detectors (models/gluoncv_zoo.py). They compute their training losses inside the network
# (YOLOv3), need ground truth in the forward pass (Faster R-CNN) or predict heat maps (CenterNet), so they do not
# fit the multibox "detection" task: registered under the non-trainable "detection-inference" task.
_ZOO = "gluonx_detection.models.gluoncv_zoo:"


def _gluoncv_images(batch, size, **kwargs):
    return InputSpec((batch, 3, size, size), name="images", **kwargs)


def _register_gluoncv_tasks(registry):
    """The task of detectors used as they are: images -> (boxes, scores, class_ids); not trained here."""
    registry.register("detection-inference", "gluonx.tasks.base:Task", primary_metric="loss", trainable=False,
                      book_section="D2L 9.7",
                      description="detectors that take images and return (boxes, scores, class_ids) with their "
                                  "own decoding and NMS; trained outside gluonx (gluoncv's training scripts)")


def _register_gluoncv_models(registry):
    """gluoncv's SSD, YOLOv3, Faster R-CNN and CenterNet, randomly initialized, small example inputs."""
    common = dict(task="detection-inference", extra="detection")
    registry.register(
        "gluoncv_ssd", _ZOO + "gluoncv_ssd", book_section="D2L 9.7",
        description="gluoncv's SSD on MobileNet x0.25 (ssd_300_mobilenet0_25_custom, random init): images -> "
                    "(boxes in input pixels, scores, class_ids) after per-class NMS (ONNX through the plugin's "
                    "per-class box_nms converter)",
        kwargs={"num_classes": 3, "calibration_size": 64}, inputs=[_gluoncv_images(2, 64)], onnx=True, **common)
    registry.register(
        "gluoncv_yolo3", _ZOO + "gluoncv_yolo3", book_section="D2L 9.7",
        description="gluoncv's YOLOv3 on MobileNet x0.25 (yolo3_mobilenet0_25_custom, random init): images "
                    "(sides multiples of 32) -> (boxes in input pixels, scores, class_ids) after per-class NMS "
                    "(ONNX through the plugin's per-class box_nms converter)",
        kwargs={"num_classes": 3}, inputs=[_gluoncv_images(2, 64)], onnx=True, **common)
    registry.register(
        "gluoncv_faster_rcnn", _ZOO + "gluoncv_faster_rcnn", book_section="D2L 9.8.3",
        description="gluoncv's Faster R-CNN on ResNet-18 v1b (RoIAlign, random init): one image -> (boxes in "
                    "input pixels, scores, class_ids) after per-class NMS; gluoncv's Faster R-CNN "
                    "infers batch 1 only",
        kwargs={"num_classes": 3, "rpn_test_post_nms": 16, "nms_topk": 8, "calibration_size": 64},
        inputs=[_gluoncv_images(1, 64)], dynamic_batch=False, onnx=True, **common)
    registry.register(
        "gluoncv_center_net", _ZOO + "gluoncv_center_net", book_section="D2L 9.7",
        description="gluoncv's CenterNet on ResNet-18 v1b with deconvolutions (random init): images -> (boxes "
                    "in input pixels, scores, class_ids) from the top-k heat-map peaks (no NMS); batches of up to "
                    "256 images (gluoncv's decoder indexes the batch with arange(256))",
        kwargs={"num_classes": 3, "topk": 20, "calibration_size": 64}, inputs=[_gluoncv_images(2, 64)], onnx=True,
        **common)
