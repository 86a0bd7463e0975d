"""OAI-PMH 2.0: the protocol's six verbs and the Dublin Core records they hand out."""
