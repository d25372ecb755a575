"""The plant: NetBox gateway and the colocation rules (space, power, cross-connects, LOAs)."""
