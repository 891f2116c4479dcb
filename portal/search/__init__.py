"""Full-text search over articles (Whoosh) and the suggest API."""
