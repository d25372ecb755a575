"""The tamper-evident access log: entries, Merkle tree, signed checkpoints, proofs."""
