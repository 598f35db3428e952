"""Models under test and the baselines that bracket them.

Two seams: :class:`Solver` changes a checkout to solve a problem (agents, baselines), and
:class:`ChatModel` answers a conversation (the OpenAI-compatible adapter, a local llama.cpp
server, replay, or a package's own through the ``proctor.models`` entry points, which
:func:`resolve_chat_model` reads when a name is not in the catalog).
"""

from proctor.model.base import Exec, FollowUp, Problem, Solver, SolverFactory, Submission
from proctor.model.baselines import (
    CanonicalChatModel,
    EmptyChatModel,
    EmptyModel,
    GoldModel,
    PatchModel,
)
from proctor.model.budget import Budget
from proctor.model.catalog import (
    EDIT_FORMATS,
    ModelSpec,
    default_user_file,
    load_catalog,
    local_spec,
    resolve_spec,
)
from proctor.model.llm import (
    ChatModel,
    ChatResponse,
    GrammarChatModel,
    Message,
    ToolCall,
    takes_grammar,
)
from proctor.model.local import serving
from proctor.model.openai_model import OpenAIChatModel
from proctor.model.registry import (
    BASELINES,
    ENTRY_POINT_GROUP,
    ChatModelFactory,
    available_models,
    resolve_chat_model,
    resolve_model,
)

__all__ = [
    "BASELINES",
    "EDIT_FORMATS",
    "ENTRY_POINT_GROUP",
    "Budget",
    "CanonicalChatModel",
    "ChatModel",
    "ChatModelFactory",
    "ChatResponse",
    "EmptyChatModel",
    "EmptyModel",
    "Exec",
    "FollowUp",
    "GoldModel",
    "GrammarChatModel",
    "Message",
    "ModelSpec",
    "OpenAIChatModel",
    "PatchModel",
    "Problem",
    "Solver",
    "SolverFactory",
    "Submission",
    "ToolCall",
    "available_models",
    "default_user_file",
    "load_catalog",
    "local_spec",
    "resolve_chat_model",
    "resolve_model",
    "resolve_spec",
    "serving",
    "takes_grammar",
]
