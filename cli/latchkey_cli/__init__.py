"""The `latchkey` command: operator actions and the embedded development runner."""
