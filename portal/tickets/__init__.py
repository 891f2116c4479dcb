"""The ticket form that deflects: configured forms, suggestions, PII guard, routing."""
