"""The registry of agents: every drug, cell therapy and local therapy, by id."""

from __future__ import annotations

from .antibodies import ANTIBODIES
from .base import Agent
from .chemotherapy import CHEMOTHERAPY
from .local import LOCAL
from .targeted import EXPERIMENTAL, TARGETED

_ALL: list[Agent] = [*ANTIBODIES, *CHEMOTHERAPY, *TARGETED, *EXPERIMENTAL, *LOCAL]
AGENTS: dict[str, Agent] = {a.id: a for a in _ALL}
assert len(AGENTS) == len(_ALL), "duplicate agent id"

#: placebo is accepted in regimens and gives no events (blinded control arms)
PLACEBO = "placebo"


class UnknownAgentError(KeyError):
    def __init__(self, agent_id: str):
        self.agent_id = agent_id
        super().__init__(f"unknown agent {agent_id!r}; known agents: {', '.join(sorted(AGENTS))}")

    def __str__(self) -> str:
        return self.args[0]


def get_agent(agent_id: str) -> Agent:
    try:
        return AGENTS[agent_id]
    except KeyError:
        raise UnknownAgentError(agent_id) from None


def list_agents(kind: str | None = None) -> list[Agent]:
    return [a for a in AGENTS.values() if kind is None or a.kind == kind]
