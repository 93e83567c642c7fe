"""Services: plain functions that take a session and an actor, and commit once per action."""
