"""Web plumbing shared by pages and the API: dependencies, CSRF, errors."""
