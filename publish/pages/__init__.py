"""What some pages hold beyond one object's view: browse groupings, citations, the ledger, timelines."""
