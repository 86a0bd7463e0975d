"""IIIF on the published site: image derivatives and tiles, and Presentation 3 manifests."""
