"""Official status pages: scheduling, polling, recording, backfill and the shipped archive."""
