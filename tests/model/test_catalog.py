"""The models file: merge order, ad hoc names, errors that name file and field."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from proctor.errors import ConfigError
from proctor.model.catalog import default_user_file, load_catalog, resolve_spec

ROOT = Path(__file__).resolve().parents[2]

PROJECT = """
models:
  fast:
    base_url: https://api.example.com/v1
    model: fast-1
    api_key_env: EXAMPLE_KEY
    context_window: 16000
    price_in_per_mtok: 1.0
    price_out_per_mtok: 2.0
    training_cutoff: 2024-06-01
  shared:
    base_url: https://project.example.com/v1
    model: project-model
"""

USER = """
models:
  shared:
    base_url: http://localhost:8000/v1
    model: my-model
    extra: {temperature: 0.2}
  mine:
    base_url: http://localhost:9000/v1
    model: other
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_user_entries_win_and_add(tmp_path: Path) -> None:
    catalog = load_catalog(
        write(tmp_path / "models.yaml", PROJECT), write(tmp_path / "user.yaml", USER)
    )
    assert sorted(catalog) == ["fast", "mine", "shared"]
    shared = catalog["shared"]
    assert (shared.base_url, shared.model, shared.extra) == (
        "http://localhost:8000/v1",
        "my-model",
        {"temperature": 0.2},
    )
    fast = catalog["fast"]
    assert fast.training_cutoff == dt.date(2024, 6, 1)
    assert fast.cost_usd(1_000_000, 500_000) == pytest.approx(2.0)


def test_missing_files_are_skipped(tmp_path: Path) -> None:
    assert load_catalog(tmp_path / "none.yaml", None) == {}


def test_shipped_models_file_loads() -> None:
    catalog = load_catalog(ROOT / "models.yaml", None)
    assert {"gpt-4o-mini", "deepseek-chat", "qwen2.5-coder-32b", "smollm2-135m"} <= set(catalog)
    assert catalog["gpt-4o-mini"].api_key_env == "OPENAI_API_KEY"
    assert catalog["qwen2.5-coder-0.5b"].local == "qwen2.5-coder-0.5b"


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (
            "models:\n  m:\n    model: x\n    context_window: lots\n    base_url: u\n",
            "models.m.context_window",
        ),
        ("models:\n  m:\n    base_url: u\n", "models.m.model"),
        ("models:\n  m:\n    base_url: u\n    model: x\n    colour: red\n", "models.m.colour"),
        ("models:\n  m:\n    model: x\n", "models.m: .*base_url is required"),
        ("models:\n  m:\n    model: x\n    local: gpt-9\n", "unknown weights 'gpt-9'"),
        ("models: [a, b]\n", "models: expected a mapping"),
        ("modles: {}\n", "modles: unknown top-level key"),
        ("models:\n  m: [\n", "line 3"),
    ],
)
def test_malformed_file_names_file_and_field(tmp_path: Path, text: str, where: str) -> None:
    path = write(tmp_path / "bad.yaml", text)
    with pytest.raises(ConfigError, match=rf"bad\.yaml:.*{where}"):
        load_catalog(None, path)


def test_ad_hoc_openai(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = resolve_spec("openai:gpt-4.1-nano", {})
    assert (spec.base_url, spec.model, spec.api_key_env) == (
        "https://api.openai.com/v1",
        "gpt-4.1-nano",
        "OPENAI_API_KEY",
    )


def test_ad_hoc_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PROCTOR_API_KEY", raising=False)
    spec = resolve_spec("http://gpu-box:8000/v1/#Qwen/Qwen2.5-Coder-7B", {})
    assert (spec.base_url, spec.model, spec.api_key_env) == (
        "http://gpu-box:8000/v1",
        "Qwen/Qwen2.5-Coder-7B",
        None,
    )
    monkeypatch.setenv("PROCTOR_API_KEY", "k")
    assert resolve_spec("https://h/v1#m", {}).api_key_env == "PROCTOR_API_KEY"


def test_ad_hoc_local() -> None:
    spec = resolve_spec("local:smollm2-135m", {})
    assert (spec.local, spec.model, spec.base_url) == ("smollm2-135m", "smollm2-135m", "")


def test_catalog_entry_beats_ad_hoc_reading(tmp_path: Path) -> None:
    catalog = load_catalog(None, write(tmp_path / "u.yaml", USER))
    assert resolve_spec("mine", catalog).model == "other"


@pytest.mark.parametrize("name", ["gpt-5-turbo", "openai:", "ftp://x#m", "https://x#", "local:x"])
def test_unknown_names_list_known(tmp_path: Path, name: str) -> None:
    catalog = load_catalog(None, write(tmp_path / "u.yaml", USER))
    with pytest.raises(ConfigError, match="known: ") as info:
        resolve_spec(name, catalog)
    assert "\n" not in str(info.value)


def test_user_file_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert default_user_file() == tmp_path / "proctor" / "models.yaml"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    assert default_user_file() == Path.home() / ".config" / "proctor" / "models.yaml"


def test_offline_models_carry_their_dates_and_the_project_file_agrees() -> None:
    project = load_catalog(Path(__file__).parents[2] / "models.yaml", None)
    for name, released in (
        ("qwen2.5-coder-0.5b", dt.date(2024, 11, 12)),
        ("qwen2.5-coder-1.5b", dt.date(2024, 9, 19)),
    ):
        spec = resolve_spec(f"local:{name}", {})
        assert (spec.training_cutoff, spec.released) == (dt.date(2024, 9, 18), released)
        entry = project[name]
        assert (entry.training_cutoff, entry.released) == (spec.training_cutoff, spec.released)
    smol = resolve_spec("local:smollm2-135m", {})
    assert smol.training_cutoff is None and smol.released is None  # not published: unknown


def test_released_is_a_date(tmp_path: Path) -> None:
    text = "models:\n  m:\n    base_url: http://x/v1\n    model: m\n    released: soon\n"
    with pytest.raises(ConfigError, match=r"models\.m\.released"):
        load_catalog(None, write(tmp_path / "u.yaml", text))


def test_edit_format_is_checked_per_model(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(
        "models:\n  m:\n    base_url: http://x/v1\n    model: m\n    edit_format: udiff\n"
    )
    assert load_catalog(good, None)["m"].edit_format == "udiff"
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "models:\n  m:\n    base_url: http://x/v1\n    model: m\n    edit_format: json\n"
    )
    with pytest.raises(ConfigError, match=r"edit_format: .*unknown 'json'"):
        load_catalog(bad, None)


def test_shipped_local_models_default_to_the_function_format() -> None:
    catalog = load_catalog(Path(__file__).parents[2] / "models.yaml", None)
    assert catalog["qwen2.5-coder-0.5b"].edit_format == "function"
