"""Our own eyes: HTTP and inference probes, their verdicts, observed status, team reports."""
