"""`reckon audit`: every public surface searched for fingerprints of hidden material."""
