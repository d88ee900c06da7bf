"""One router per resource: ask, policies, classify, health."""
