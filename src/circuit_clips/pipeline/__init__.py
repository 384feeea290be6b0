"""The render pipeline: render, publish, inspect and compile clips, knowing them only by name."""
