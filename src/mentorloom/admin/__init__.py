"""Instance administration pages and API (the audit log); edges over the domains below."""
