"""How a model edits a repository: one-shot edit blocks or a tool-using loop."""
