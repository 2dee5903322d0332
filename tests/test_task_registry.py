"""The tasks registry: the core's tasks, the hook a plugin uses, and the task every model names."""
import pytest

import gluonx
from gluonx import hookimpl
from gluonx.cli import main

CORE_TASKS = {
    "classification": "gluonx.tasks.classification:ClassificationTask",
    "regression": "gluonx.tasks.regression:RegressionTask",
    "language-model": "gluonx.tasks.language_model:LanguageModelTask",
}


def model_names():
    names = gluonx.list_models()
    assert names, "no model is registered"
    return names


@pytest.mark.parametrize("name", sorted(CORE_TASKS))
def test_core_task_builds_an_instance_of_its_class(name):
    from gluonx.tasks import Task
    info = gluonx.get_task_info(name)
    assert info.plugin == "core" and info.factory == CORE_TASKS[name] and info.trainable
    task = gluonx.get_task(name)
    assert isinstance(task, Task) and isinstance(task, info.resolve())
    assert task.name == name  # the registry name and the task's own agree
    assert task.primary_metric == info.primary_metric  # listed without importing the task


@pytest.mark.parametrize("name", model_names())
def test_every_model_names_a_registered_task(name):
    info = gluonx.get_model_info(name)
    assert info.task in gluonx.registry("tasks"), "model {} names task {!r}, which no plugin registers".format(
        name, info.task)


def test_task_arguments_reach_the_task():
    task = gluonx.get_task("language-model", num_steps=12)
    assert task.num_steps == 12
    with pytest.raises(KeyError, match="unknown task 'clasification'; closest: classification"):
        gluonx.get_task("clasification")


class TaskPlugin:
    @staticmethod
    @hookimpl
    def register_tasks(registry):
        registry.register("ranking", "gluonx.tasks.regression:RegressionTask", primary_metric="mse",
                          description="a plugin's task", book_section="DL 5.1")


def test_a_plugin_registers_a_task(make_host):
    host = make_host()
    record = host.register(TaskPlugin(), name="tasks_plugin")
    assert record.status == "loaded", record.error
    info = host.registry("tasks").get_info("ranking")
    assert isinstance(info, gluonx.TaskInfo) and info.plugin == "tasks_plugin"
    assert type(info.create()).__name__ == "RegressionTask"
    assert {"classification", "ranking"} <= set(host.registry("tasks").list())


def test_list_tasks_on_the_command_line(capsys):
    assert main(["list", "tasks"]) == 0
    out = capsys.readouterr().out
    for name in CORE_TASKS:
        assert "\n" + name + " " in out
