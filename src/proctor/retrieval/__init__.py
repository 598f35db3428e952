"""Context retrieval: which code of the repository a model gets to see."""
