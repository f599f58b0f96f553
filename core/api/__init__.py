"""What every API view shares: error answers (Django's own too, under /api/), fields, the
JSON parser, schema plumbing."""
