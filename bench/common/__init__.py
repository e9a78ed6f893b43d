"""What the studies share: the architecture table, the workloads, the
clocks and memory probes, and the shapes segmenter runs."""
