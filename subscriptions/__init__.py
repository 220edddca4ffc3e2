"""Live subscriptions (event bus on broadcaster, resume, fan-out): arrives with the subscriptions issue."""
