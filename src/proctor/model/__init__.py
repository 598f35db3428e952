"""Models under test and the baselines that bracket them."""

from proctor.model.base import Model, ModelFactory, Problem, Submission
from proctor.model.baselines import EmptyModel, GoldModel, PatchModel
from proctor.model.registry import resolve_model

__all__ = [
    "EmptyModel",
    "GoldModel",
    "Model",
    "ModelFactory",
    "PatchModel",
    "Problem",
    "Submission",
    "resolve_model",
]
