"""Site access: visits, visitors, badges, gate events and site-access alerts (shipments and dock
deliveries will join them). It may import tenants and audit; neither imports it (an import contract)."""
