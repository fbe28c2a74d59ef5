"""Batch jobs over the sales workbook: reports, commissions, reconciliation, mail, the CLI."""
