"""Hook implementations of the segmentation plugin (lazy "module:attr" factories only; imports nothing heavy)."""
import gluonx
from gluonx import InputSpec

#: Images with a dynamic height and width: the conformance kit also checks half and double the example size.
_IMAGES = InputSpec((2, 3, 40, 56), name="images", dynamic_axes={2: "height", 3: "width"})


@gluonx.hookimpl
def register_blocks(registry):
    """The transposed convolution with bilinear initialization (D2L 9.10.2)."""
    registry.register(
        "bilinear_upsampling", "gluonx_segmentation.nn.upsampling:BilinearUpsampling", task="segmentation",
        book_section="D2L 9.10.2", kwargs={"channels": 3, "factor": 2},
        description="Conv2DTranspose(kernel 2f, stride f, padding f/2) initialized with the book's bilinear "
                    "kernel: f-times upsampling that starts as bilinear interpolation",
        inputs=[InputSpec((2, 3, 5, 7), name="feature_map", dynamic_axes={2: "height", 3: "width"})], onnx=True)


@gluonx.hookimpl
def register_models(registry):
    """The book's FCN (D2L 9.10): per-pixel class scores of the input's height and width."""
    registry.register(
        "fcn_resnet18", "gluonx_segmentation.models.fcn:fcn_resnet18", task="segmentation", book_section="D2L 9.10",
        description="The book's FCN: ResNet-18 features, 1x1 class scores, bilinear-initialized transposed "
                    "convolution (stride 32, or 8 with stem='small'), cropped in the graph to any input's HxW",
        kwargs={"num_classes": 4, "channels": (8, 8, 16, 16), "stem_channels": 8}, inputs=[_IMAGES], onnx=True)
    _register_gluoncv_models(registry)


@gluonx.hookimpl
def register_tasks(registry):
    """Semantic segmentation (D2L 9.9-9.10): per-pixel cross-entropy ignoring 255, pixel accuracy and mIoU."""
    registry.register("segmentation", "gluonx_segmentation.task:SegmentationTask", primary_metric="miou",
                      book_section="D2L 9.10",
                      description="per-pixel classifiers returning (B, C, H, W) scores; softmax cross-entropy over "
                                  "labelled pixels (255 = ignore); mean IoU and pixel accuracy")


@gluonx.hookimpl
def register_metrics(registry):
    """Pixel accuracy and mean IoU from a confusion matrix accumulated on the device (D2L 9.9)."""
    common = dict(task="segmentation", book_section="D2L 9.9")
    registry.register("miou", "gluonx_segmentation.metrics:MeanIoU",
                      description="mean intersection over union of argmax classes (255 ignored; classes that "
                                  "occur nowhere are skipped, absent='zero' counts them as 0 like gluoncv)", **common)
    registry.register("pixel_accuracy", "gluonx_segmentation.metrics:PixelAccuracy",
                      description="share of labelled pixels whose argmax class is right (255 ignored)", **common)


@gluonx.hookimpl
def register_datasets(registry):
    """The embedded demo set and the real segmentation formats (D2L 9.9).

    No ``sample_shape``: samples are ``(H, W, 3)`` uint8 images with ``(H, W)`` masks, while the core reads
    ``sample_shape[0]`` as a model's input channels (channel-first); the segmentation task collates them.
    """
    common = dict(task="segmentation", book_section="D2L 9.9")
    registry.register("segmentation_shapes", "gluonx_segmentation.data.shapes:ShapesSegmentation", embedded=True,
                      extra="data", num_classes=4, requires=("sklearn", "PIL"),
                      install="pip install 'gluonx[data,segmentation]'",
                      description="ellipses, triangles and stars cut from scikit-learn's two photographs, on "
                                  "backgrounds from them, 64x64, 4 classes with the background (seeded)", **common)
    pillow = dict(requires=("PIL",), install="pip install Pillow")
    registry.register("voc_segmentation", "gluonx_segmentation.data.voc:VOCSegmentation", num_classes=21,
                      description="Pascal VOC segmentation folders (JPEGImages, SegmentationClass palette PNGs, "
                                  "ImageSets/Segmentation) from root", **pillow, **common)
    registry.register("folder_segmentation", "gluonx_segmentation.data.folder:FolderSegmentation",
                      description="root/<train|val>/images/* with class-id PNGs in root/<train|val>/masks/ "
                                  "(optional root/classes.txt)", **pillow, **common)


@gluonx.hookimpl
def register_recipes(registry):
    """The book's FCN on the embedded scenes (D2L 9.10's training, adapted: see docs/segmentation.md)."""
    registry.register(
        "fcn_resnet18-segmentation_shapes", model="fcn_resnet18", dataset="segmentation_shapes", optimizer="adam",
        lr=0.003, wd=1e-4, lr_schedule="cosine", epochs=10, batch_size=16, threads=1, book_section="D2L 9.10",
        model_args={"stem": "small", "channels": (16, 32, 64, 128), "stem_channels": 16},
        description="the book's FCN with ResNet-18's layout at a quarter of its widths and d2lzh's 3x3 stem "
                    "(stride 8: 64x64 scenes give an 8x8 map), Adam 0.003 with a cosine schedule instead of the "
                    "book's SGD 0.1 on pretrained features (none here), 10 epochs of batch 16 on 1,000 scenes")


@gluonx.hookimpl
def register_onnx_converters(opset):
    """``BilinearResize2D(mode="like")`` and adaptive average pooling to any bins, with sizes read from the
    graph, so gluoncv's segmenters export with a dynamic height and width."""
    from gluonx_segmentation.onnx import register_converters
    register_converters(opset)


# --- gluoncv's FCN, PSPNet and DeepLabV3 (models/gluoncv_zoo.py), with a forward pass free of sizes.
_ZOO = "gluonx_segmentation.models.gluoncv_zoo:"

#: Small example images: the dilated ResNet-50 (output stride 8) gives a 4x5 map; the kit also checks half
#: and double the height and width.
_GLUONCV_IMAGES = InputSpec((2, 3, 32, 40), name="images", dynamic_axes={2: "height", 3: "width"})


def _register_gluoncv_models(registry):
    """gluoncv's segmenters (random init, pretrained_base=False, no download); the kit checks them on the dilated
    ResNet-18 v1b backbone (the default, resnet50_v1s, has 2 to 2.5 times the parameters, and ONNX conversion
    time grows with them). Random scores reach magnitudes of ~10-50, hence the tolerances."""
    common = dict(task="segmentation", extra="segmentation", kwargs={"num_classes": 4, "backbone": "resnet18"},
                  inputs=[_GLUONCV_IMAGES], onnx=True, rtol=1e-3, atol=1e-3)
    registry.register(
        "gluoncv_fcn", _ZOO + "gluoncv_fcn", book_section="D2L 9.10",
        description="gluoncv's FCN on a dilated ResNet (resnet50_v1s by default, random init): scores resized "
                    "like the input, so any HxW works in the symbol and in ONNX (gluoncv's own graph is fixed to "
                    "crop_size)", **common)
    registry.register(
        "gluoncv_psp", _ZOO + "gluoncv_psp", book_section="D2L 9.10",
        description="gluoncv's PSPNet on a dilated ResNet (resnet50_v1s by default, random init): pyramid "
                    "pooling to 1, 2, 3, 6 bins of the feature map's size at run time (ONNX: bins sliced from the "
                    "dynamic shape)", **common)
    registry.register(
        "gluoncv_deeplab", _ZOO + "gluoncv_deeplab", book_section="D2L 9.10",
        description="gluoncv's DeepLabV3 on a dilated ResNet (resnet50_v1s by default, random init): ASPP with "
                    "its image-pooling branch broadcast over the feature map, any HxW in the symbol and in ONNX",
        **common)
