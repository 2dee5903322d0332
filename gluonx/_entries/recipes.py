"""The core's recipes: hyper-parameters for a model trained on a dataset (data only, no imports).

Values are the book's where the book trains that model on that dataset (the section is cited); the others
are adapted, and ``description`` says how and what the recipe reaches (checked by
``tests/train/test_train_defaults.py``). ``threads`` is the OpenMP thread count measured to suit the model
(``docs/recipes.md``).
"""


def register_recipes(registry):
    """Add the core's recipes to ``registry`` (a :class:`gluonx._registry.RecipeView`)."""
    registry.register(
        "lenet-digits", model="lenet", dataset="digits", optimizer="adam", lr=0.004, lr_schedule="cosine",
        epochs=10, batch_size=32, model_args={"activation": "relu"}, threads=1, book_section="D2L 5.5",
        description="the book's LeNet with ReLU: its sigmoid version trained with the book's SGD lr 0.9 "
                    "needs more steps than 1,347 images give; test accuracy 0.98")
    registry.register(
        "lenet-fashion_mnist", model="lenet", dataset="fashion_mnist", optimizer="sgd", lr=0.9, epochs=5,
        batch_size=256, threads=1, book_section="D2L 5.5",
        description="the book's values for its sigmoid LeNet on Fashion-MNIST (needs the idx files)")
    registry.register(
        "resnet18-fashion_mnist", model="resnet18", dataset="fashion_mnist", optimizer="sgd", lr=0.05,
        epochs=5, batch_size=256, threads=2,
        book_section="D2L 5.11",
        description="the book's values for ResNet-18 on Fashion-MNIST, at 28x28 (the book resizes to "
                    "96x96; needs the idx files); two threads ran 1.85x as fast as one")
    registry.register(
        "gru_lm-python_docs", model="gru_lm", dataset="python_docs", optimizer="adam", lr=0.01, epochs=2,
        batch_size=32, seq_len=32, clip_global_norm=1.0,
        model_args={"embed_size": 32, "hidden_size": 128, "num_layers": 1}, threads=1,
        book_section="D2L 6.7",
        description="the book's character-level GRU with Adam and gradient clipping (D2L 6.4) on CPython's "
                    "help text; held-out perplexity about 5")
