"""Extraction: from a capture's bytes to a checked `Extraction`, one module per format
(country page, PDF summary, dataset workbook, article) and the checks they share."""
