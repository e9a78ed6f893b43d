"""Stream or generate first (``stream_modes``), on 2 CPU processes."""
