"""The static publisher: pages, downloads, feeds, IIIF files, incremental patching, atomic buffers."""
