"""Delivery: the outbox, the worker, e-mail and webhooks; subscribers and broadcasts."""
