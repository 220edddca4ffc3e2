class InvalidInput(Exception):
    """Input the client can fix: a bad cursor, page size, ID or filter. Reported to the client as is."""

    def __init__(self, argument: str, reason: str) -> None:
        super().__init__(f"{argument}: {reason}")
        self.argument = argument
        self.reason = reason
