"""What labels cost: labelled vs plain generation (``generation_overhead``),
the paper's generation cost from FLOPs (``paper_cost_estimate``), the
cache's checks (``cache_costs``); and the probes the GPU rehearsal also
runs (the paper code's attention store, the FLOP bound, label timing)."""
