"""Ingestion: reports and interview transcripts become structured, respondent-attributed chunks."""
