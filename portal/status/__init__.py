"""Status portal: components, incidents, maintenance, uptime, Statuspage API, feeds."""
