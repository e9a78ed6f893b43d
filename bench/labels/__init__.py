"""Are the labels right? The shapes-world label studies (CPU):
``label_quality``, ``label_ablation`` (the paper's ablation),
``label_beyond`` (labels beyond the paper), ``concept_modulation``,
``segmenter_predictions`` and ``self_attention_semantics``."""
