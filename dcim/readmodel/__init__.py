"""The plant read model: a local copy of NetBox that keeps NetBox out of the hot read path."""
