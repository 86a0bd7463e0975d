"""The domain and the store: tables, EDTF dates, the access rule, redactions, consent, revisions and the Catalog of views. Imports nothing else of ours."""
