"""Demo portfolios: the real CRM sample dataset, and synthetic ones of any size."""
