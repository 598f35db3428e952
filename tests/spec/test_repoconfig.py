"""The --repo-config format: owner/name or GitHub URL -> Environment fields, strictly checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from proctor.errors import SpecError
from proctor.spec import Environment, RepoConfig, load_repo_config, parse_repo_config, repo_key


@pytest.mark.parametrize(
    ("key", "repo"),
    [
        ("octo/widgets", "octo/widgets"),
        ("https://github.com/octo/widgets", "octo/widgets"),
        ("https://github.com/octo/widgets.git", "octo/widgets"),
        ("https://github.com/octo/widgets/", "octo/widgets"),
        ("http://www.github.com/octo/widgets.git/", "octo/widgets"),
        ("widgets", None),
        ("https://gitlab.com/octo/widgets", None),
        ("octo/widgets/extra", None),
        ("../widgets", None),
    ],
)
def test_repo_key(key: str, repo: str | None) -> None:
    assert repo_key(key) == repo


def config_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "repos.yaml"
    path.write_text(text)
    return path


def test_url_keys_mean_owner_name_and_only_given_fields_count(tmp_path: Path) -> None:
    path = config_file(
        tmp_path,
        "https://github.com/octo/widgets.git:\n  python: '3.10'\n"
        "pallets/flask:\n  runner: vitest\n",
    )
    config = load_repo_config(path)
    assert sorted(config.root) == ["octo/widgets", "pallets/flask"]
    assert config.fields_for("octo/widgets") == {"python": "3.10"}
    assert config.fields_for("https://github.com/octo/widgets") == {"python": "3.10"}
    assert config.fields_for("pallets/flask") == {"runner": "vitest", "test_cmd": []}
    assert config.fields_for("octo/other") == {}
    assert load_repo_config(None) == RepoConfig()


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (
            "https://github.com/octo/widgets:\n  pyhton: '3.10'\n",
            "https://github.com/octo/widgets: pyhton: unknown environment field (known: python, ",
        ),
        ("octo/widgets:\n  python: 'three'\n", "octo/widgets: python: 'three' is not a Python"),
        ("octo/widgets: [a]\n", "octo/widgets: expected a mapping of environment fields"),
        (
            "widgets:\n  python: '3.10'\n",
            "widgets: not owner/name or https://github.com/OWNER/NAME",
        ),
        (
            "octo/widgets: {}\nhttps://github.com/octo/widgets.git: {}\n",
            "https://github.com/octo/widgets.git: the same repository as octo/widgets",
        ),
        ("- octo/widgets\n", "expected a mapping of owner/name to environment fields"),
        ("octo/widgets: {python: [\n", "not valid YAML"),
    ],
)
def test_a_bad_config_is_one_line_naming_file_key_and_field(
    tmp_path: Path, text: str, error: str
) -> None:
    path = config_file(tmp_path, text)
    with pytest.raises(SpecError) as info:
        load_repo_config(path)
    message = str(info.value)
    assert message.startswith(f"{path}: {error}"), message
    assert "\n" not in message


def test_every_environment_field_of_a_task_file_is_allowed() -> None:
    fields = Environment().model_dump()  # the lock is attached from environments.lock only
    assert parse_repo_config({"octo/w": fields}, "x").fields_for("octo/w") == fields


def test_the_schema_is_a_mapping_of_environments() -> None:
    schema = RepoConfig.model_json_schema()
    assert schema["type"] == "object"
    assert schema["additionalProperties"] == {"$ref": "#/$defs/Environment"}
    assert schema["$defs"]["Environment"]["additionalProperties"] is False
