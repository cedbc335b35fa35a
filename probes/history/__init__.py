"""What happened over time: uptime arithmetic, daily uptime rollups, reliability figures."""
