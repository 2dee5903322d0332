"""Hook implementations of the optimizers plugin (lazy "module:attr" factories only).

Entries come from the data tables of :mod:`gluonx_optim.catalog`, which import neither MXNet nor NumPy, so
``gluonx plugins`` and ``gluonx.list_optimizers()`` stay cheap.
"""
import gluonx

from .catalog import AVERAGING, MX_PREFIX, RECIPES, SCHEDULES


@gluonx.hookimpl
def register_optimizers(registry):
    """Optimizers of D2L 7 and DL 8: the first-order recipes and the parameter-averaging wrappers."""
    for recipe in RECIPES.values():
        registry.register(recipe.name, "gluonx_optim.recipes:" + recipe.class_name, mx_name=recipe.mx_name,
                          task="first-order", description=recipe.summary, book_section=recipe.book_section,
                          tags=("composable",) + (("fused",) if recipe.fused else ()))
    for method in AVERAGING.values():
        registry.register(method.name, "gluonx_optim.averaging:" + method.class_name,
                          mx_name=MX_PREFIX + method.name, task="averaging", description=method.summary,
                          book_section=method.book_section, tags=("wrapper",))


@gluonx.hookimpl
def register_lr_schedulers(registry):
    """Learning-rate schedules (D2L 7, DL 8.3)."""
    for schedule in SCHEDULES.values():
        registry.register(schedule.name, "gluonx_optim.schedules:" + schedule.class_name, task="lr-schedule",
                          description=schedule.summary, book_section=schedule.book_section)
