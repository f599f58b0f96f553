"""What every API view shares: error answers, fields, schema plumbing."""
