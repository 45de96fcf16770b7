"""Inference on users' own RGB + auxiliary images."""
