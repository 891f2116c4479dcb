"""Staff accounts: users, roles, login, API tokens."""
