"""Labels from recorded attention, shared by every architecture: running
sums over steps and layers, maps to labels, and their refinement."""
