"""The public object graph: the node types a query walks (a case has steps, a step has its case, its officer
and its officer's department …). They refer to each other by nature, so these modules may import one another:
Strawberry's lazy annotations keep that from mattering at import time, and the import contracts in
pyproject.toml allow such cycles here and nowhere else."""
