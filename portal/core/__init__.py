"""Site-wide pages that belong to no domain: the entry redirect, language switch, health."""
