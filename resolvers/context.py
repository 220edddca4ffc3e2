from dataclasses import dataclass, field

from resolvers.dataloaders import Loaders, Sessions


@dataclass(frozen=True)
class Context:
    """Per-request state: a session factory (never a shared session) and that request's loaders."""

    sessions: Sessions
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        # Loaders cache for one request only; a new Context is built for each request.
        object.__setattr__(self, "loaders", Loaders(self.sessions))
