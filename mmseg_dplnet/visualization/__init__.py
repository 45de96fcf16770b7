"""Visualisation of multimodal samples (registered in mmseg)."""
