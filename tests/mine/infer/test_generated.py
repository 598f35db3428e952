"""Generated version files, the project's own dist-info, and compiled extensions."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.mine.infer.conftest import MakeRepo, infer, names, run_setup

HATCH_VCS = """
    [build-system]
    requires = ["hatchling", "hatch-vcs"]
    build-backend = "hatchling.build"

    [project]
    name = "vcsproj"
    dynamic = ["version"]
    dependencies = ["packaging"]

    [tool.hatch.version]
    source = "vcs"

    [tool.hatch.build.hooks.vcs]
    version-file = "src/vcsproj/_version.py"
"""


def test_hatch_vcs_version_file_gets_an_idempotent_stub(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    tree = make_repo(
        {
            "pyproject.toml": HATCH_VCS,
            "src/vcsproj/__init__.py": "from vcsproj._version import __version__\n",
        }
    )
    proposal = infer(tree)
    env = proposal.environment
    assert env.pythonpath == ["src"] and proposal.build_system == "hatch"
    assert env.env == {"SETUPTOOLS_SCM_PRETEND_VERSION": "0.0.0"}
    assert len(env.setup) == 1
    assert any("src/vcsproj/_version.py" in line for line in proposal.inferred)
    assert any("0.0.0" in line for line in proposal.guessed)
    assert "hatch-vcs" not in names(proposal)

    run_setup(proposal, tmp_path)
    check = "import vcsproj; print(vcsproj.__version__)"
    out = subprocess.run(
        [sys.executable, "-c", check], cwd=tmp_path / "src", capture_output=True, text=True
    )
    assert out.stdout.strip() == "0.0.0", out.stderr
    version_file = tmp_path / "src/vcsproj/_version.py"
    version_file.write_text('__version__ = "kept"\n')
    run_setup(proposal, tmp_path)
    assert version_file.read_text() == '__version__ = "kept"\n'


def test_tracked_version_file_needs_no_stub(make_repo: MakeRepo) -> None:
    tree = make_repo(
        {
            "pyproject.toml": HATCH_VCS,
            "src/vcsproj/__init__.py": "",
            "src/vcsproj/_version.py": "__version__ = '1.0'\n",
        }
    )
    proposal = infer(tree)
    assert proposal.environment.setup == []
    assert any("tracked" in line for line in proposal.inferred)


def test_setuptools_scm_write_to(make_repo: MakeRepo, tmp_path: Path) -> None:
    tree = make_repo(
        {
            "pyproject.toml": """
                [build-system]
                requires = ["setuptools>=64", "setuptools_scm>=8"]
                build-backend = "setuptools.build_meta"

                [project]
                name = "scmproj"
                dynamic = ["version"]

                [tool.setuptools_scm]
                write_to = "scmproj/version.py"
            """,
            "scmproj/__init__.py": "from .version import version\n",
        }
    )
    proposal = infer(tree)
    assert proposal.environment.env["SETUPTOOLS_SCM_PRETEND_VERSION"] == "0.0.0"
    run_setup(proposal, tmp_path)
    out = subprocess.run(
        [sys.executable, "-c", "import scmproj; print(scmproj.version)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert out.stdout.strip() == "0.0.0", out.stderr


def test_setup_py_use_scm_version(make_repo: MakeRepo) -> None:
    tree = make_repo(
        {
            "setup.py": (
                "from setuptools import setup\n"
                "setup(name='p', use_scm_version={'write_to': 'p/_v.py'})\n"
            ),
            "p/__init__.py": "",
        }
    )
    proposal = infer(tree)
    assert len(proposal.environment.setup) == 1
    assert any("p/_v.py" in line and "setup.py" in line for line in proposal.inferred)


def test_dynamic_version_lookup_gets_a_dist_info(make_repo: MakeRepo, tmp_path: Path) -> None:
    tree = make_repo(
        {
            "pyproject.toml": """
                [build-system]
                requires = ["flit_core"]
                build-backend = "flit_core.buildapi"

                [project]
                name = "Meta-Proj"
                version = "1.2.3"
            """,
            "src/meta_proj/__init__.py": (
                'from importlib.metadata import version\n__version__ = version("meta-proj")\n'
            ),
            "src/other/__init__.py": "import importlib.metadata\nimportlib.metadata.version('x')\n",
        }
    )
    proposal = infer(tree)
    assert proposal.environment.pythonpath == ["src"]
    assert len(proposal.environment.setup) == 1
    assert any("meta_proj/__init__.py" in line for line in proposal.inferred)

    run_setup(proposal, tmp_path)
    run_setup(proposal, tmp_path)
    check = (
        "import sys, importlib.metadata as m; sys.path.insert(0, 'src'); "
        "import meta_proj; print(m.version('meta-proj'), meta_proj.__version__)"
    )
    out = subprocess.run(
        [sys.executable, "-I", "-c", check], cwd=tmp_path, capture_output=True, text=True
    )
    assert out.stdout.split() == ["0.0.0", "0.0.0"], out.stderr


def test_no_lookup_of_its_own_version_means_no_setup(make_repo: MakeRepo) -> None:
    tree = make_repo(
        {
            "pyproject.toml": '[project]\nname = "plain"\n',
            "plain/__init__.py": "from importlib.metadata import version\nversion('numpy')\n",
        }
    )
    assert infer(tree).environment.setup == []


def test_setuptools_extension_is_built_in_place(make_repo: MakeRepo) -> None:
    tree = make_repo(
        {
            "pyproject.toml": """
                [build-system]
                requires = ["setuptools>=61", "wheel", "Cython>=3", "setuptools_scm"]
                build-backend = "setuptools.build_meta"

                [project]
                name = "fastproj"
                dependencies = ["numpy"]
            """,
            "setup.py": """
                from setuptools import Extension, setup
                from Cython.Build import cythonize

                EXT = Extension("fastproj._speed", ["fastproj/_speed.pyx"])
                setup(ext_modules=cythonize([EXT]))
            """,
            "fastproj/__init__.py": "",
            "fastproj/_speed.pyx": "def f(): return 1\n",
        }
    )
    proposal = infer(tree)
    env = proposal.environment
    assert proposal.compiled and proposal.build_system == "setuptools"
    assert env.setup == [["python", "setup.py", "build_ext", "--inplace"]]
    assert {"setuptools", "cython", "numpy"} <= set(names(proposal))
    assert "wheel" not in names(proposal) and "setuptools-scm" not in names(proposal)
    assert any("[build-system] requires" in line and "Cython" in line for line in proposal.inferred)


def test_pyproject_only_ext_modules_use_a_setup_call(make_repo: MakeRepo) -> None:
    tree = make_repo(
        {
            "pyproject.toml": """
                [build-system]
                requires = ["setuptools>=74.1"]
                build-backend = "setuptools.build_meta"

                [project]
                name = "cext"

                [[tool.setuptools.ext-modules]]
                name = "cext._c"
                sources = ["cext/_c.c"]
            """,
            "cext/__init__.py": "",
            "cext/_c.c": "",
        }
    )
    proposal = infer(tree)
    assert proposal.compiled
    cmd = proposal.environment.setup[-1]
    assert cmd[:2] == ["python", "-c"] and cmd[-2:] == ["build_ext", "--inplace"]
    assert names(proposal) == ["setuptools"]


def test_meson_python_is_compiled_without_a_build(make_repo: MakeRepo) -> None:
    tree = make_repo(
        {
            "pyproject.toml": """
                [build-system]
                requires = ["meson-python", "numpy"]
                build-backend = "mesonpy"

                [project]
                name = "mesonproj"
            """,
            "meson.build": "project('mesonproj', 'c')\n",
            "mesonproj/__init__.py": "",
        }
    )
    proposal = infer(tree)
    assert proposal.compiled and proposal.build_system == "meson-python"
    assert proposal.environment.setup == []
    assert any("unsupported" in g for g in proposal.guessed)


def test_pure_python_is_not_compiled(make_repo: MakeRepo) -> None:
    proposal = infer(make_repo({"setup.py": "from setuptools import setup\nsetup()\n"}))
    assert not proposal.compiled and proposal.environment.setup == []


def test_pdm_scm_write_to_is_relative_to_the_package_folder(make_repo: MakeRepo) -> None:
    tree = make_repo(
        {
            "pyproject.toml": """
                [build-system]
                requires = ["pdm-backend"]
                build-backend = "pdm.backend"

                [project]
                name = "pdmscm"
                dynamic = ["version"]

                [tool.pdm.version]
                source = "scm"
                write_to = "pdmscm/_version.py"
            """,
            "src/pdmscm/__init__.py": "",
        }
    )
    proposal = infer(tree)
    assert any("src/pdmscm/_version.py" in line for line in proposal.inferred)
    assert "src/pdmscm/_version.py" in proposal.environment.setup[0][2]
