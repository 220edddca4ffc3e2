from typing import Annotated

import strawberry

AfterSequenceArgument = Annotated[
    int | None, strawberry.argument(description="Only events after this sequence number (the last one you saw).")
]
