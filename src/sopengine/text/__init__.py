"""Text: normalised matching of banned words, masking of private data."""
