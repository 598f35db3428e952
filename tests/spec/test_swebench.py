import json
from pathlib import Path

import pytest

from proctor.errors import SpecError
from proctor.spec import (
    RepoConfig,
    convert_instance,
    environment_fields,
    load_repo_config,
    read_instances,
)

INSTANCE = {
    "instance_id": "octo__widgets-12",
    "repo": "octo/widgets",
    "base_commit": "c" * 40,
    "patch": "diff --git a/w.py b/w.py\n",
    "test_patch": "diff --git a/tests/test_w.py b/tests/test_w.py\n",
    "FAIL_TO_PASS": '["tests/test_w.py::test_a"]',
    "PASS_TO_PASS": ["tests/test_w.py::test_b"],
    "problem_statement": "Widgets spin backwards.",
    "created_at": "2023-01-02T03:04:05Z",
    "version": "1.0",
}


def test_convert_uses_repo_config_over_defaults(tmp_path: Path) -> None:
    cfg = tmp_path / "repos.yaml"
    cfg.write_text("octo/widgets:\n  python: '3.10'\n  pythonpath: [src]\n")
    task = convert_instance(INSTANCE, "x", load_repo_config(cfg), {"python": "3.11"})
    assert task.repo == "https://github.com/octo/widgets"
    assert task.environment.python == "3.10"
    assert task.environment.pythonpath == ["src"]
    assert task.hidden_tests.fail_to_pass == ["tests/test_w.py::test_a"]
    assert task.hidden_tests.pass_to_pass == ["tests/test_w.py::test_b"]
    assert task.reference.patch == INSTANCE["patch"]


def test_read_json_and_jsonl(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps([INSTANCE, INSTANCE]))
    (tmp_path / "b.jsonl").write_text(json.dumps(INSTANCE) + "\n\n" + json.dumps(INSTANCE) + "\n")
    assert len(list(read_instances(tmp_path / "a.json"))) == 2
    labels = [lbl for lbl, _ in read_instances(tmp_path / "b.jsonl")]
    assert labels == [f"{tmp_path / 'b.jsonl'}:1", f"{tmp_path / 'b.jsonl'}:3"]


def test_missing_field_is_named(tmp_path: Path) -> None:
    bad = {k: v for k, v in INSTANCE.items() if k != "test_patch"}
    with pytest.raises(SpecError, match=r"^here: test_patch: missing$"):
        convert_instance(bad, "here", {}, {})


def test_bad_id_list(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="FAIL_TO_PASS"):
        convert_instance({**INSTANCE, "FAIL_TO_PASS": "not json"}, "here", {}, {})


def test_a_url_key_of_the_config_applies(tmp_path: Path) -> None:
    cfg = tmp_path / "repos.yaml"
    cfg.write_text("https://github.com/octo/widgets.git:\n  pythonpath: [src]\n")
    defaults = {"python": "3.12", "packages": ["attrs"]}
    task = convert_instance(INSTANCE, "x", load_repo_config(cfg), defaults)
    assert task.environment.pythonpath == ["src"]
    assert (task.environment.python, task.environment.packages) == ("3.12", ["attrs"])


def test_a_plain_mapping_is_still_a_config() -> None:
    task = convert_instance(INSTANCE, "x", {"octo/widgets": {"python": "3.10"}}, {})
    assert task.environment.python == "3.10"
    with pytest.raises(SpecError, match=r"^<repo-config>: octo/widgets: pyhton: unknown"):
        convert_instance(INSTANCE, "x", {"octo/widgets": {"pyhton": "3.10"}}, {})


def test_environment_fields_layers_the_config_over_the_defaults() -> None:
    config = RepoConfig.model_validate({"octo/widgets": {"python": "3.10"}})
    fields = environment_fields("octo/widgets", config, {"python": "3.11", "packages": ["x"]})
    assert fields == {"python": "3.10", "packages": ["x"]}
