"""One small repository per build system and layout, and what is proposed for it."""

from __future__ import annotations

from tests.mine.infer.conftest import MakeRepo, infer, names

from proctor.mine.infer import Proposal


def noted(proposal: Proposal, *words: str) -> bool:
    """Whether one inferred line mentions all ``words``."""
    return any(all(w in line for w in words) for line in proposal.inferred)


def test_setuptools_flat_with_literal_setup_py_and_tox(make_repo: MakeRepo) -> None:
    tree = make_repo(
        {
            "setup.py": """
                from setuptools import setup

                BASE = ["requests>=2", "click"]

                setup(
                    name="flatproj",
                    python_requires=">=3.8",
                    install_requires=BASE + ["attrs; python_version < '3.10'"],
                    tests_require=["pytest-mock"],
                    extras_require={"test": ["hypothesis>=6"], "docs": ["sphinx"]},
                )
            """,
            "tox.ini": """
                [tox]
                envlist = py38,py312

                [testenv]
                deps =
                    pytest-cov
                    py38: mock
                    {env:EXTRA_DEP:}
                    .[test]
                commands = pytest
            """,
            "flatproj/__init__.py": "",
            "tests/test_x.py": "",
        }
    )
    proposal = infer(tree)
    env = proposal.environment
    assert proposal.build_system == "setuptools"
    assert proposal.layout == "flat" and env.pythonpath == ["."]
    assert names(proposal) == ["click", "hypothesis", "pytest-cov", "pytest-mock", "requests"]
    # A requirement whose marker excludes the chosen Python is left out, and said so.
    assert any('attrs; python_version < "3.10"' in line for line in proposal.inferred)
    assert "sphinx" not in names(proposal) and "mock" not in names(proposal)
    assert env.setup == [] and env.env == {} and not proposal.compiled
    assert env.runner == "pytest" and env.test_cmd == ["python", "-m", "pytest"]
    assert noted(proposal, "setup.py") and noted(proposal, "tox.ini")
    assert noted(proposal, "flatproj")


def test_setup_py_with_computed_values_is_reported(make_repo: MakeRepo) -> None:
    tree = make_repo(
        {
            "setup.py": """
                from setuptools import setup
                setup(name="x", install_requires=open("reqs").read().split())
            """,
            "x.py": "",
        }
    )
    proposal = infer(tree)
    assert proposal.environment.packages == []
    assert any("install_requires" in g for g in proposal.guessed)


def test_setuptools_src_layout_from_setup_cfg(make_repo: MakeRepo) -> None:
    tree = make_repo(
        {
            "setup.cfg": """
                [metadata]
                name = cfgproj
                classifiers =
                    Programming Language :: Python :: 3.9
                    Programming Language :: Python :: 3.10

                [options]
                package_dir =
                    =src
                packages = find:
                python_requires = >=3.9
                install_requires =
                    numpy>=1.20  # arrays
                    pyyaml

                [options.packages.find]
                where = src

                [options.extras_require]
                testing =
                    pytest-xdist
                lint = flake8
            """,
            "setup.py": "from setuptools import setup\nsetup()\n",
            "src/cfgproj/__init__.py": "",
        }
    )
    proposal = infer(tree)
    env = proposal.environment
    assert proposal.layout == "src" and env.pythonpath == ["src"]
    assert env.packages == ["numpy>=1.20", "pytest-xdist", "pyyaml"]
    assert env.python == "3.10"
    assert proposal.build_system == "setuptools"


def test_hatch_with_test_env_and_wheel_packages(make_repo: MakeRepo) -> None:
    tree = make_repo(
        {
            "pyproject.toml": """
                [build-system]
                requires = ["hatchling"]
                build-backend = "hatchling.build"

                [project]
                name = "hatchproj"
                requires-python = ">=3.9"
                dependencies = ["httpx"]

                [project.optional-dependencies]
                dev = ["ruff"]

                [tool.hatch.build.targets.wheel]
                packages = ["lib/hatchproj"]

                [tool.hatch.envs.default]
                dependencies = ["pytest-asyncio", "coverage[toml]>=7"]
                features = ["dev"]
            """,
            "lib/hatchproj/__init__.py": "",
        }
    )
    proposal = infer(tree)
    env = proposal.environment
    assert proposal.build_system == "hatch"
    assert env.pythonpath == ["lib"] and proposal.layout == "src"
    assert env.packages == ["coverage[toml]>=7", "httpx", "pytest-asyncio", "ruff"]
    assert noted(proposal, "build system: hatch", "pyproject.toml")


def test_flit_flat_module(make_repo: MakeRepo) -> None:
    tree = make_repo(
        {
            "pyproject.toml": """
                [build-system]
                requires = ["flit_core >=3.2,<4"]
                build-backend = "flit_core.buildapi"

                [project]
                name = "flitmod"
                dynamic = ["version", "description"]
                dependencies = ["typing-extensions"]

                [project.optional-dependencies]
                test = ["pytest >=7", "flitmod[extra]"]
                extra = ["rich"]
            """,
            "flitmod.py": '"""Doc."""\n__version__ = "1.0"\n',
        }
    )
    proposal = infer(tree)
    assert proposal.build_system == "flit"
    assert proposal.layout == "flat"
    assert proposal.environment.packages == ["pytest>=7", "rich", "typing-extensions"]
    assert noted(proposal, "flitmod")


def test_poetry_caret_constraints_and_test_group(make_repo: MakeRepo) -> None:
    tree = make_repo(
        {
            "pyproject.toml": """
                [build-system]
                requires = ["poetry-core>=1.0.0"]
                build-backend = "poetry.core.masonry.api"

                [tool.poetry]
                name = "poetproj"
                version = "0.1.0"
                packages = [{ include = "poetproj", from = "src" }]

                [tool.poetry.dependencies]
                python = "^3.9"
                requests = "^2.28"
                pendulum = "~2.1.2"
                tomli = { version = "^2.0", python = "<3.11" }
                uvloop = { version = "*", optional = true }

                [tool.poetry.group.test.dependencies]
                pytest-mock = "^0.4.1"

                [tool.poetry.group.docs.dependencies]
                mkdocs = "*"
            """,
            "src/poetproj/__init__.py": "",
        }
    )
    proposal = infer(tree)
    env = proposal.environment
    assert proposal.build_system == "poetry"
    assert env.pythonpath == ["src"]
    assert env.python == "3.13"
    assert env.packages == [
        "pendulum<2.2.0,>=2.1.2",
        "pytest-mock<0.5.0,>=0.4.1",
        "requests<3.0,>=2.28",
    ]
    assert any("not for python 3.13: tomli" in line for line in proposal.inferred)


def test_pdm_dev_dependencies(make_repo: MakeRepo) -> None:
    tree = make_repo(
        {
            "pyproject.toml": """
                [build-system]
                requires = ["pdm-backend"]
                build-backend = "pdm.backend"

                [project]
                name = "pdmproj"
                requires-python = ">=3.8,<3.12"
                dependencies = ["anyio>=4"]

                [tool.pdm.dev-dependencies]
                test = ["pytest-cov", "-e file:///${PROJECT_ROOT}/plugins/x"]
                lint = ["black"]
            """,
            "src/pdmproj/__init__.py": "",
        }
    )
    proposal = infer(tree)
    assert proposal.build_system == "pdm"
    assert proposal.environment.packages == ["anyio>=4", "pytest-cov"]
    assert proposal.environment.python == "3.11"


def test_pep735_groups_with_include_group(make_repo: MakeRepo) -> None:
    tree = make_repo(
        {
            "pyproject.toml": """
                [build-system]
                requires = ["setuptools>=61"]
                build-backend = "setuptools.build_meta"

                [project]
                name = "groupproj"
                dependencies = []

                [dependency-groups]
                coverage = ["coverage>=7"]
                test = ["pytest-timeout", { include-group = "coverage" }]
                docs = ["furo"]
            """,
            "groupproj/__init__.py": "",
        }
    )
    proposal = infer(tree)
    assert proposal.environment.packages == ["coverage>=7", "pytest-timeout"]
    assert noted(proposal, "[dependency-groups] test")


def test_requirements_dev_follows_r(make_repo: MakeRepo) -> None:
    tree = make_repo(
        {
            "requirements.txt": "django>=4.2  # web\n-e .\n--index-url https://x.invalid\n",
            "requirements-dev.txt": (
                "-r requirements.txt\n-c constraints.txt\nfactory-boy==3.3 \\\n"
                "    --hash=sha256:abc\n./local/pkg\nhttps://x.invalid/a.whl\n"
            ),
            "requirements-docs.txt": "sphinx\n",
            "app/__init__.py": "",
        }
    )
    proposal = infer(tree)
    assert proposal.build_system == "unknown"
    assert proposal.environment.packages == ["django>=4.2", "factory-boy==3.3"]
    assert any("requirements-docs.txt" in g for g in proposal.guessed)
    assert any("build system unknown" in g for g in proposal.guessed)


def test_noxfile_installs(make_repo: MakeRepo) -> None:
    tree = make_repo(
        {
            "noxfile.py": """
                import nox

                REQS = ["flask"]

                @nox.session
                def tests(session):
                    session.install("-r", "test-requirements.txt")
                    session.install("-e", ".[testing]")
                    session.install("freezegun", "--upgrade")
                    session.install(*REQS, "--group", "test", "-c", "constraints.txt")
                    session.run("pytest")

                @nox.session
                def docs(session):
                    session.install("sphinx")
            """,
            "test-requirements.txt": "responses\n",
            "setup.py": (
                "from setuptools import setup\n"
                "setup(name='noxproj', extras_require={'testing': ['time-machine']})\n"
            ),
            "noxproj/__init__.py": "",
        }
    )
    proposal = infer(tree)
    assert proposal.environment.packages == ["freezegun", "responses", "time-machine"]
    assert noted(proposal, "noxfile.py")


def test_first_spec_wins_unless_it_pins_nothing(make_repo: MakeRepo) -> None:
    tree = make_repo(
        {
            "requirements.txt": "Flask\nrequests==2.31\n",
            "requirements-test.txt": "flask>=3\nRequests>=2\nnot a requirement!!\n",
            "m.py": "",
        }
    )
    proposal = infer(tree)
    assert proposal.environment.packages == ["flask>=3", "requests==2.31"]
    assert any("not a requirement" in g for g in proposal.guessed)


def test_broken_pyproject_is_a_guess_not_a_crash(make_repo: MakeRepo) -> None:
    proposal = infer(make_repo({"pyproject.toml": "[project\n", "m.py": ""}))
    assert any("does not parse" in g for g in proposal.guessed)
    assert proposal.build_system == "unknown"
