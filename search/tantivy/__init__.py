"""The tantivy engine (a Rust core) for collections of 100,000 objects and more."""
