"""The tamper-evident ledger: the event log as an RFC 6962 / RFC 9162 Merkle tree with signed checkpoints."""
