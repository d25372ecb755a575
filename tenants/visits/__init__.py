"""Site visits: requests, security decisions, badges, gate check-in/out and site-access alerts."""
