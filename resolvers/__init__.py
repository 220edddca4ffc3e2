"""The rules and the queries behind the schema: reads, DataLoaders and (later) workflow writes."""
