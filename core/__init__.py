"""The bottom layer every app may use: plumbing that imports no app (see DESIGN.md)."""
